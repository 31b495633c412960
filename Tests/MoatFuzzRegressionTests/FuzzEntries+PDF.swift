@testable import MoatPDF

/// Entry point of the `pdf` fuzz target (qpdf reading, repairing and rewriting hostile files
/// through Moat's walker), shared with the regression replay.
enum PDFFuzzEntries {
    /// Inspects and disarms; a rewritten document is read back as the engine does.
    static func inspect(_ data: [UInt8]) {
        let disarmer = PDFDisarmer(maxObjects: 20_000)
        let (inspection, disarmed) = disarmer.inspect(data, disarm: true)
        blackHole(inspection.counts.count &+ inspection.objects)
        if let disarmed {
            blackHole(disarmer.inspect(disarmed, disarm: false).inspection.pages ?? -1)
        }
    }
}
