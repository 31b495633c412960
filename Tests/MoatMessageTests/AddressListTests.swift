import MoatMessage
import Testing

@Suite("Address lists")
struct AddressListTests {
    @Test("display names, quoted commas, comments, groups and routes", arguments: [
        (#""Smith, John" <john@a.example>, mary@b.example (Mary, sales)"#, ["john@a.example", "mary@b.example"]),
        ("Team: a@x.example, b@y.example;, c@z.example", ["a@x.example", "b@y.example", "c@z.example"]),
        ("undisclosed-recipients:;", []),
        ("<@relay.example,@other.example:real@dest.example>", ["real@dest.example"]),
        ("John <JOHN@a.example>, john@a.example", ["JOHN@a.example"]),
        (#""bob@fake.example" <bob@real.example>"#, ["bob@real.example"]),
        ("no address here, @, x@, @y", []),
        ("  spaced @ example.com ", ["spaced@example.com"]),
    ])
    func parses(_ value: String, _ expected: [String]) {
        #expect(AddressList.addresses(value) == expected)
    }

    @Test("hostile input stays linear and bounded")
    func hostile() {
        let deep = String(repeating: "(", count: 100_000) + "a@b.example"
        #expect(AddressList.addresses(deep).isEmpty)
        let long = String(repeating: "a", count: 5_000) + "@b.example, ok@c.example"
        #expect(AddressList.addresses(long) == ["ok@c.example"])
        let many = (0..<20_000).map { "u\($0)@d.example" }.joined(separator: ",")
        #expect(AddressList.addresses(many, limit: 100).count == 100)
        #expect(AddressList.addresses(#"unterminated "quote <a@b.example>"#).isEmpty)
    }
}
