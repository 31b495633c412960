// The C face of qpdf for the pdf engine: counts and removes a PDF's active content.
// qpdf (C++) parses, repairs and rewrites the file; this shim only walks its objects.
// qpdf 11: use std::shared_ptr, not its old PointerHolder (and say so, or its headers warn).
#define POINTERHOLDER_TRANSITION 4
#include "qpdf_shim.h"

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>
#include <qpdf/Buffer.hh>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <set>
#include <string>

namespace {

struct Walker {
    moat_pdf_report &report;
    bool disarm;
    bool changed = false;
    size_t visited = 0;

    void remove(QPDFObjectHandle &dict, char const *key) {
        if (disarm && dict.hasKey(key)) {
            dict.removeKey(key);
            changed = true;
        }
    }

    static bool dangerous(std::string const &kind) {
        return kind == "/JavaScript" || kind == "/Launch" || kind == "/SubmitForm" || kind == "/ImportData"
            || kind == "/RichMediaExecute" || kind == "/GoToR" || kind == "/GoToE";
    }

    // One action dictionary (its /S names the kind). Dangerous kinds lose what makes them act.
    void action(QPDFObjectHandle &dict) {
        QPDFObjectHandle s = dict.getKey("/S");
        if (!s.isName()) return;
        std::string kind = s.getName();
        if (kind == "/JavaScript") {
            report.javascript++;
            remove(dict, "/JS");
            remove(dict, "/S");
        } else if (kind == "/Launch") {
            report.launch++;
            for (char const *key : {"/F", "/Win", "/Mac", "/Unix", "/S"}) remove(dict, key);
        } else if (kind == "/SubmitForm") {
            report.submit_form++;
            remove(dict, "/F");
            remove(dict, "/S");
        } else if (kind == "/ImportData") {
            report.import_data++;
            remove(dict, "/F");
            remove(dict, "/S");
        } else if (kind == "/RichMediaExecute") {
            report.rich_media++;
            for (char const *key : {"/TI", "/CMD", "/S"}) remove(dict, key);
        } else if (kind == "/GoToR" || kind == "/GoToE") {
            report.remote_goto++;
            for (char const *key : {"/F", "/T", "/S"}) remove(dict, key);
        } else if (kind == "/URI") {
            report.uri_actions++;
        }
    }

    // A dictionary (or a stream's dictionary) and its direct children; indirect children are
    // visited on their own, once, from the object table.
    void walk(QPDFObjectHandle h, int depth) {
        if (depth > 64 || ++visited > 5000000) return;
        if (h.isArray()) {
            int n = h.getArrayNItems();
            for (int i = 0; i < n; ++i) {
                QPDFObjectHandle item = h.getArrayItem(i);
                if (!item.isIndirect()) walk(item, depth + 1);
            }
            return;
        }
        QPDFObjectHandle dict = h.isStream() ? h.getDict() : h;
        if (!dict.isDictionary()) return;
        // A link's or field's action that is (or was just made) inert goes with its key, so readers
        // see no action rather than an empty one.
        QPDFObjectHandle linked = dict.getKey("/A");
        if (linked.isDictionary()) {
            if (!linked.isIndirect()) walk(linked, depth + 1);
            QPDFObjectHandle kind = linked.getKey("/S");
            if (!kind.isName() || dangerous(kind.getName())) remove(dict, "/A");
        }
        if (dict.hasKey("/AA")) {
            report.additional_actions++;
            QPDFObjectHandle triggers = dict.getKey("/AA");
            if (!triggers.isIndirect()) walk(triggers, depth + 1);
            remove(dict, "/AA");
        }
        bool javascriptAction = false;
        if (dict.hasKey("/S")) {
            QPDFObjectHandle s = dict.getKey("/S");
            javascriptAction = s.isName() && s.getName() == "/JavaScript";
            action(dict);
        }
        if (dict.hasKey("/JS")) {
            if (!javascriptAction) report.javascript++;  // a script outside a JavaScript action
            remove(dict, "/JS");
        }
        QPDFObjectHandle type = dict.getKey("/Type");
        QPDFObjectHandle subtype = dict.getKey("/Subtype");
        if (h.isStream() && type.isName() && type.getName() == "/EmbeddedFile") {
            report.embedded_files++;
            if (disarm) {
                h.replaceStreamData("", QPDFObjectHandle::newNull(), QPDFObjectHandle::newNull());
                changed = true;
            }
        }
        // Attachment and rich media annotations become plain notes saying what was there.
        if (subtype.isName() && (subtype.getName() == "/FileAttachment" || subtype.getName() == "/RichMedia")) {
            bool attachment = subtype.getName() == "/FileAttachment";
            if (attachment) report.file_attachments++; else report.rich_media++;
            for (char const *key : {"/FS", "/RichMediaContent", "/RichMediaSettings"}) remove(dict, key);
            if (disarm) {
                dict.replaceKey("/Subtype", QPDFObjectHandle::newName("/Text"));
                dict.replaceKey("/Contents", QPDFObjectHandle::newUnicodeString(
                    attachment ? "An attached file was removed by the mail gateway." : "Rich media was removed by the mail gateway."));
                changed = true;
            }
        }
        remove(dict, "/EF");  // a file specification's embedded copy
        for (auto const &key : dict.getKeys()) {
            if (key == "/AA" || key == "/A") continue;  // walked above
            QPDFObjectHandle value = dict.getKey(key);
            if (!value.isIndirect() && (value.isDictionary() || value.isArray())) walk(value, depth + 1);
        }
    }
};

void copy_error(char *error, size_t size, std::string const &text) {
    if (!error || size == 0) return;
    std::strncpy(error, text.c_str(), size - 1);
    error[size - 1] = '\0';
}

}  // namespace

extern "C" int moat_pdf_inspect(const uint8_t *data, size_t size, int disarm, size_t max_objects,
                                moat_pdf_report *report, uint8_t **out, size_t *out_size,
                                char *error, size_t error_size) {
    if (!report || !out || !out_size) return -1;
    std::memset(report, 0, sizeof(*report));
    *out = nullptr;
    *out_size = 0;
    try {
        QPDF pdf;
        pdf.setSuppressWarnings(true);
        pdf.setAttemptRecovery(true);
        try {
            pdf.processMemoryFile("attachment.pdf", reinterpret_cast<char const *>(data), size, "");
        } catch (QPDFExc &e) {
            if (e.getErrorCode() == qpdf_e_password) report->needs_password = 1;
            copy_error(error, error_size, e.what());
            return -1;
        }
        report->encrypted = pdf.isEncrypted() ? 1 : 0;
        std::vector<QPDFObjectHandle> objects = pdf.getAllObjects();
        report->objects = objects.size() > 0x7fffffff ? 0x7fffffff : static_cast<int>(objects.size());
        if (max_objects > 0 && objects.size() > max_objects) {
            copy_error(error, error_size, "more objects than max_objects (" + std::to_string(objects.size()) + ")");
            return -1;
        }
        try {
            report->pages = static_cast<int>(QPDFPageDocumentHelper(pdf).getAllPages().size());
        } catch (std::exception &) {
            report->pages = -1;
        }
        Walker walker{*report, disarm != 0};
        QPDFObjectHandle root = pdf.getRoot();
        QPDFObjectHandle open = root.getKey("/OpenAction");
        QPDFObjectHandle openKind = open.isDictionary() ? open.getKey("/S") : QPDFObjectHandle::newNull();
        bool openActs = open.isDictionary() && !(openKind.isName() && openKind.getName() == "/GoTo");
        // Every object once (the catalog among them), counting and neutralising actions.
        for (auto &object : objects) walker.walk(object, 0);
        // Then the document's own triggers: an /OpenAction that is an action (a destination array
        // only turns to a page), the JavaScript and embedded-file name trees, an XFA form.
        if (openActs) {
            report->open_action++;
            walker.remove(root, "/OpenAction");
        }
        QPDFObjectHandle names = root.getKey("/Names");
        if (names.isDictionary()) {
            walker.remove(names, "/JavaScript");
            walker.remove(names, "/EmbeddedFiles");
        }
        QPDFObjectHandle form = root.getKey("/AcroForm");
        if (form.isDictionary() && form.hasKey("/XFA")) {
            report->xfa++;
            walker.remove(form, "/XFA");
        }
        report->warnings = static_cast<int>(pdf.numWarnings());
        if (!walker.changed) return 0;
        QPDFWriter writer(pdf);
        writer.setOutputMemory();
        writer.write();
        std::shared_ptr<Buffer> buffer = writer.getBufferSharedPointer();
        size_t length = buffer->getSize();
        uint8_t *copy = static_cast<uint8_t *>(std::malloc(length ? length : 1));
        if (!copy) {
            copy_error(error, error_size, "out of memory for the rewritten document");
            return -1;
        }
        std::memcpy(copy, buffer->getBuffer(), length);
        *out = copy;
        *out_size = length;
        return 0;
    } catch (std::exception &e) {
        copy_error(error, error_size, e.what());
        return -1;
    } catch (...) {
        copy_error(error, error_size, "unknown qpdf failure");
        return -1;
    }
}

extern "C" void moat_pdf_free(uint8_t *buffer) { std::free(buffer); }
