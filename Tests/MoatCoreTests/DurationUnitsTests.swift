import MoatCore
import Testing

@Suite("Duration units")
struct DurationUnitsTests {
    @Test("every conversion agrees with the components, rounds down and saturates instead of trapping")
    func conversions() {
        let d = Duration.seconds(2) + .microseconds(1_500)
        #expect(d.inMilliseconds == 2001.5)
        #expect(d.inMicroseconds == 2_001_500)
        #expect(d.inSeconds == 2.0015)
        #expect(d.wholeMilliseconds == 2001)
        #expect(d.wholeNanoseconds == 2_001_500_000)
        #expect(Duration.nanoseconds(999_999).wholeMilliseconds == 0)
        #expect(Duration.zero.wholeNanoseconds == 0)
        let huge = Duration.seconds(Int64.max)
        #expect(huge.wholeNanoseconds == .max)
        #expect(huge.wholeMilliseconds == .max)
        #expect(Duration.seconds(Int64.min).wholeNanoseconds == .min)
    }
}
