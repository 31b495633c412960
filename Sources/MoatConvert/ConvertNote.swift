import MoatCore

/// What the recipient is told about a converted attachment, true in every case: whether the
/// original was kept depends on `keep_original`.
enum ConvertNote {
    static func text(_ language: NoteLanguage, original: String, converted: String, kind: DocumentConverter.Kind, keptOriginal: Bool, reference: String) -> String {
        let label = kind.label(language)
        return switch language {
        case .en:
            "The mail gateway delivered the attachment \(original) converted to \(label), as \(converted): "
                + "macros, scripts and other active content do not survive the conversion. "
                + (keptOriginal ? "The original was kept; if you need it, ask your mail administrator (reference \(reference))."
                                : "The original was not kept.")
        case .ja:
            "メールゲートウェイは、添付ファイル「\(original)」を\(label)に変換し、「\(converted)」として配信しました。"
                + "マクロ、スクリプトなどのアクティブコンテンツは変換により取り除かれています。"
                + (keptOriginal ? "元のファイルは保管されています。必要な場合は、メール管理者にお問い合わせください（参照番号 \(reference)）。"
                                : "元のファイルは保管されていません。")
        }
    }
}
