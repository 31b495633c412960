/// The language of the note a disarming engine puts next to (or in place of) an attachment: the
/// recipient reads it, so it is chosen per gateway (`note_language` in the engine's manifest).
public enum NoteLanguage: String, Sendable, Hashable, CaseIterable, Codable {
    case en
    case ja
}
