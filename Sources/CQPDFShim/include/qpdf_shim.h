#ifndef MOAT_QPDF_SHIM_H
#define MOAT_QPDF_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a PDF holds that can act when it is opened, counted by kind.
typedef struct {
    int javascript;          /* JavaScript actions and /JS entries */
    int open_action;         /* a document /OpenAction that is an action (not a plain destination) */
    int additional_actions;  /* /AA dictionaries: document, page, annotation or field triggers */
    int launch;              /* /Launch actions (run a program or open a file) */
    int submit_form;         /* /SubmitForm actions (send field values elsewhere) */
    int import_data;         /* /ImportData actions */
    int embedded_files;      /* /EmbeddedFile streams */
    int file_attachments;    /* /FileAttachment annotations */
    int rich_media;          /* /RichMedia annotations and /RichMediaExecute actions */
    int xfa;                 /* an XFA form in /AcroForm */
    int remote_goto;         /* /GoToR and /GoToE actions (open another document) */
    int uri_actions;         /* /URI actions (reported, kept: the url engine judges links) */
    int encrypted;           /* 1 when the document is encrypted */
    int needs_password;      /* 1 when the empty user password does not open it */
    int pages;               /* page count (-1 when the page tree is unreadable) */
    int warnings;            /* problems qpdf recovered from (a damaged file it repaired) */
    int objects;             /* indirect objects */
} moat_pdf_report;

/// Opens `data` with qpdf (the empty user password, recovery of damaged files on), counts its
/// active content into `report` and, when `disarm` is set and something active was found,
/// removes it and writes the document again into `*out` (free with `moat_pdf_free`), keeping
/// its encryption. Returns 0, or -1 with a message in `error` when qpdf cannot read the file
/// (then `report->needs_password` says whether a password is the reason). Documents with more
/// than `max_objects` objects are refused. C++ exceptions never cross into the caller.
int moat_pdf_inspect(const uint8_t *data, size_t size, int disarm, size_t max_objects,
                     moat_pdf_report *report, uint8_t **out, size_t *out_size,
                     char *error, size_t error_size);

void moat_pdf_free(uint8_t *buffer);

#ifdef __cplusplus
}
#endif

#endif
