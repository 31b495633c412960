/// Keyword lists after olevba's (AUTOEXEC_KEYWORDS, SUSPICIOUS_KEYWORDS), trimmed to what matters
/// for mail: entry points that run without a click and calls that reach outside the document.
public enum MacroKeywords {
    /// Procedures Office runs by itself (document events and legacy Auto macros).
    public static let autoExec: [String] = [
        "AutoExec", "AutoOpen", "DocumentOpen", "AutoExit", "AutoClose", "Document_Close",
        "DocumentBeforeClose", "Document_Open", "Document_BeforeClose", "AutoNew", "Document_New",
        "NewDocument", "DocumentChange", "Document_ContentControlOnEnter",
        "Auto_Open", "Workbook_Open", "Workbook_Activate", "Auto_Close", "Workbook_Close",
        "Workbook_BeforeClose", "Workbook_Deactivate", "Workbook_SheetActivate", "Workbook_SheetChange",
        "Worksheet_Activate", "Worksheet_Change", "Worksheet_Calculate", "Worksheet_SelectionChange",
        "Auto_Ope", "App_WorkbookOpen", "Presentation_Open", "OnSlideShowPageChange",
    ]

    /// Event-handler suffixes of ActiveX controls, which fire on open or on any mouse movement.
    public static let autoExecSuffixes: [String] = [
        "_Click", "_Change", "_Activate", "_GotFocus", "_LostFocus", "_MouseMove", "_MouseHover",
        "_Layout", "_Painted", "_Resize", "_Initialize", "_BeforeNavigate2", "_DocumentComplete",
        "_NavigateComplete2", "_ProgressChange", "_Enter", "_Exit", "_BeforeDropOrPaste",
    ]

    /// Calls that run programs, fetch or write files, or hide what the code does, with olevba's reason.
    public static let suspicious: [(keyword: String, reason: String)] = [
        ("Shell", "may run an executable file or a system command"),
        ("vbHide", "may run a program with a hidden window"),
        ("WScript.Shell", "may run an executable file or a system command"),
        ("Run", "may run an executable file or a system command"),
        ("ShellExecute", "may run an executable file or a system command"),
        ("MacScript", "may run an AppleScript or a shell command"),
        ("CreateObject", "may create an OLE object"),
        ("GetObject", "may get an OLE object with a running instance"),
        ("CallByName", "may attempt to obfuscate malicious function calls"),
        ("URLDownloadToFile", "may download files from the Internet"),
        ("URLDownloadToFileA", "may download files from the Internet"),
        ("Msxml2.XMLHTTP", "may download files from the Internet"),
        ("Microsoft.XMLHTTP", "may download files from the Internet"),
        ("MSXML2.ServerXMLHTTP", "may download files from the Internet"),
        ("Net.WebClient", "may download files from the Internet"),
        ("DownloadFile", "may download files from the Internet"),
        ("DownloadString", "may download files from the Internet"),
        ("ADODB.Stream", "may create a text file"),
        ("SaveToFile", "may create a text file"),
        ("CreateTextFile", "may create a text file"),
        ("Kill", "may delete a file"),
        ("Environ", "may read system environment variables"),
        ("Lib", "may run code from a DLL"),
        ("VirtualAlloc", "may inject code into another process"),
        ("RtlMoveMemory", "may inject code into another process"),
        ("CreateThread", "may inject code into another process"),
        ("Chr", "may attempt to obfuscate specific strings"),
        ("ChrW", "may attempt to obfuscate specific strings"),
        ("StrReverse", "may attempt to obfuscate specific strings"),
        ("Xor", "may attempt to obfuscate specific strings"),
        ("ExecuteExcel4Macro", "may run Excel 4 macros"),
        ("powershell", "may run PowerShell commands"),
        ("cmd.exe", "may run a system command"),
        ("Application.Visible", "may hide the application"),
        ("ShowWindow", "may hide the application"),
        ("FileCopy", "may copy a file"),
        ("CopyFile", "may copy a file"),
    ]
}
