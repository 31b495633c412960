import Foundation
import MoatCore

/// Turns the text columns both backends store back into MoatCore's enums, naming the row on failure.
enum StoredValues {
    static func action(_ value: String, scan: String) throws -> Action {
        guard let action = Action(rawValue: value) else {
            throw StoreError.corruptRow(table: "scans", key: scan, column: "action", value: value)
        }
        return action
    }

    static func category(_ value: String?, scan: String) throws -> VerdictCategory? {
        guard let value else { return nil }
        guard let category = VerdictCategory(rawValue: value) else {
            throw StoreError.corruptRow(table: "scans", key: scan, column: "category", value: value)
        }
        return category
    }

    static func engineState(_ value: String, table: String, key: String, column: String = "state") throws -> EngineState {
        guard let state = EngineState(rawValue: value) else {
            throw StoreError.corruptRow(table: table, key: key, column: column, value: value)
        }
        return state
    }

    static func trueClass(_ value: String, scan: String) throws -> TrueClass {
        guard let trueClass = TrueClass(rawValue: value) else {
            throw StoreError.corruptRow(table: "feedback", key: scan, column: "true_class", value: value)
        }
        return trueClass
    }

    static func tenantPolicy(_ value: String, tenant: String) throws -> TenantPolicy {
        do {
            return try JSONDecoder().decode(TenantPolicy.self, from: Data(value.utf8))
        } catch {
            throw StoreError.corruptRow(table: "tenants", key: tenant, column: "policy", value: value)
        }
    }

    static func encodeTenantPolicy(_ policy: TenantPolicy) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(policy), as: UTF8.self)
    }

    /// A value kept as a JSON document (outbound state), with dates as seconds since 1970.
    static func encodeJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ value: String, table: String, key: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(value.utf8))
        } catch {
            throw StoreError.corruptRow(table: table, key: key, column: "body", value: String(value.prefix(200)))
        }
    }

    /// The batch with each scan id once (the last record wins), order otherwise kept: an upsert
    /// cannot touch one row twice in a statement.
    static func lastRecordPerID(_ scans: [ScanRecord]) -> [ScanRecord] {
        var lastIndex: [String: Int] = [:]
        lastIndex.reserveCapacity(scans.count)
        for (index, scan) in scans.enumerated() { lastIndex[scan.id] = index }
        if lastIndex.count == scans.count { return scans }
        return scans.enumerated().compactMap { lastIndex[$0.element.id] == $0.offset ? $0.element : nil }
    }
}
