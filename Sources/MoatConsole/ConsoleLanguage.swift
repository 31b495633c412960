/// The console's languages. English and Japanese: the operators Moat is first built for work in
/// Japan. Chosen by a cookie set from the switch, else from `Accept-Language`.
public enum ConsoleLanguage: String, Sendable, CaseIterable {
    case en
    case ja

    /// The first supported language in an `Accept-Language` value, by quality (English if none).
    public static func preferred(_ acceptLanguage: String?) -> ConsoleLanguage {
        guard let acceptLanguage else { return .en }
        var best: (language: ConsoleLanguage, quality: Double)?
        for item in acceptLanguage.split(separator: ",") {
            let pieces = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = pieces.first?.lowercased() else { continue }
            var quality = 1.0
            for parameter in pieces.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            guard quality > 0, let language = ConsoleLanguage(rawValue: primary) else { continue }
            if let current = best, current.quality >= quality { continue }
            best = (language, quality)
        }
        return best?.language ?? .en
    }

    /// Every text of the console in this language, by key.
    public var texts: [String: String] {
        var result: [String: String] = [:]
        for (key, pair) in ConsoleLanguage.table { result[key] = self == .en ? pair.0 : pair.1 }
        return result
    }

    /// One text; the key itself when missing (a test checks none is).
    public func text(_ key: String) -> String {
        guard let pair = Self.table[key] else { return key }
        return self == .en ? pair.0 : pair.1
    }

    /// One text with `%1`, `%2`… replaced in order (word order differs between the languages).
    public func text(_ key: String, _ arguments: String...) -> String {
        var result = text(key)
        for (index, argument) in arguments.enumerated().reversed() { result = result.replacingOccurrences(of: "%\(index + 1)", with: argument) }
        return result
    }

    static let table: [String: (String, String)] = [
        "skip": ("Skip to content", "本文へ移動"),
        "navigation": ("Sections", "メニュー"),
        "overview": ("Overview", "概要"),
        "engines": ("Engines", "エンジン"),
        "decisions": ("Decisions", "判定ログ"),
        "quarantine": ("Quarantine", "隔離"),
        "signIn": ("Sign in", "サインイン"),
        "signOut": ("Sign out", "サインアウト"),
        "token": ("Admin or tenant token", "管理トークンまたはテナントトークン"),
        "yourName": ("Your name (recorded with your changes)", "お名前（変更の記録に残ります）"),
        "signInHelp": ("Use the token moatd printed at start-up, or the one in its token file.",
                       "moatd が起動時に表示したトークン、またはトークンファイルの値を入力してください。"),
        "signInFailed": ("That token is not valid.", "トークンが正しくありません。"),
        "signInBlocked": ("Too many failed sign-ins; try again in a minute.", "サインインの失敗が多すぎます。1分後に再度お試しください。"),
        "sessionEnded": ("Your session ended; sign in again.", "セッションが終了しました。再度サインインしてください。"),
        "loopbackNote": ("The console is served by moatd's admin listener, on loopback unless [admin] listen says otherwise: keep it off the public internet.",
                         "コンソールは moatd の管理リスナーで提供されます。[admin] listen で変更しない限りループバックのみです。インターネットに公開しないでください。"),
        "signedInAs": ("Signed in as", "サインイン中:"),
        "language": ("Language", "言語"),
        "metrics": ("Prometheus metrics", "Prometheus メトリクス"),
        "messagesPerHour": ("Messages per hour by action (last 24 hours)", "アクション別の時間あたりメッセージ数（直近24時間）"),
        "topFindings": ("Top findings (last 24 hours)", "よく出た検出（直近24時間）"),
        "outOfVote": ("Engines out of the vote", "投票から外れているエンジン"),
        "noneOutOfVote": ("Every engine votes.", "すべてのエンジンが投票しています。"),
        "health": ("Store and workers", "ストアとワーカー"),
        "store": ("Store", "ストア"),
        "workers": ("Scan workers", "スキャンワーカー"),
        "pendingWrites": ("records waiting to be written", "書き込み待ちの記録"),
        "dropped": ("dropped", "破棄"),
        "written": ("written", "書き込み済み"),
        "isolationMode": ("isolation", "分離方式"),
        "enginesRunning": ("engines running", "稼働中のエンジン"),
        "generation": ("generation", "世代"),
        "workerPools": ("Worker pools", "ワーカープール"),
        "pool": ("Pool", "プール"),
        "ready": ("Workers up / size", "稼働ワーカー / 定員"),
        "restarts": ("Restarts", "再起動回数"),
        "poison": ("Messages refused as poison", "毒メッセージとして拒否"),
        "isolation": ("Isolation", "分離"),
        "mimeFindings": ("Message structure", "メッセージ構造"),
        "policyPrecision": ("precision below %1 after %2 labelled samples → %3", "ラベル付きサンプル %2 件以上で適合率が %1 未満 → %3"),
        "policyErrors": ("errors and timeouts above %1 of %2 scans → %3", "%2 回以上のスキャンでエラーとタイムアウトが %1 超 → %3"),
        "notShown": ("%1 bytes, not shown", "%1 バイト（表示しません）"),
        "reachable": ("answering", "応答あり"),
        "unreachable": ("not answering", "応答なし"),
        "hour": ("Hour (UTC)", "時刻（UTC）"),
        "count": ("Count", "件数"),
        "code": ("Finding", "検出"),
        "name": ("Name", "名前"),
        "state": ("State", "状態"),
        "adapter": ("Adapter", "アダプター"),
        "weight": ("Weight", "重み"),
        "timeout": ("Timeout", "タイムアウト"),
        "errorRate": ("Errors", "エラー率"),
        "timeoutRate": ("Timeouts", "タイムアウト率"),
        "latency": ("Latency p50 / p99", "レイテンシ p50 / p99"),
        "precision": ("Precision", "適合率"),
        "recall": ("Recall", "再現率"),
        "samples": ("Labelled samples", "ラベル付きサンプル"),
        "category": ("Category", "カテゴリ"),
        "window": ("Window", "期間"),
        "days": ("days", "日"),
        "show": ("Show", "表示"),
        "removalPolicy": ("Removal policy", "除外ポリシー"),
        "noRemovalPolicy": ("none", "なし"),
        "lastFired": ("Policy last acted", "ポリシーの最終実行"),
        "never": ("never", "なし"),
        "changeState": ("Change state", "状態を変更"),
        "newState": ("New state", "新しい状態"),
        "reason": ("Reason", "理由"),
        "apply": ("Apply", "適用"),
        "history": ("State changes", "状態変更の履歴"),
        "who": ("By", "実行者"),
        "when": ("When", "日時"),
        "from": ("From", "差出人"),
        "to": ("To", "宛先"),
        "subject": ("Subject", "件名"),
        "action": ("Action", "アクション"),
        "score": ("Score", "スコア"),
        "engine": ("Engine", "エンジン"),
        "identifier": ("Scan, Message-ID or queue id", "スキャンID・Message-ID・キューID"),
        "since": ("Since (UTC)", "開始（UTC）"),
        "until": ("Until (UTC)", "終了（UTC）"),
        "minScore": ("Score at least", "スコア下限"),
        "maxScore": ("Score at most", "スコア上限"),
        "any": ("any", "すべて"),
        "search": ("Search", "検索"),
        "previous": ("Previous page", "前のページ"),
        "next": ("Next page", "次のページ"),
        "noDecisions": ("No decisions match.", "該当する判定はありません。"),
        "flaggedBy": ("Flagged by", "検出したエンジン"),
        "details": ("Details", "詳細"),
        "mimeTree": ("MIME tree", "MIME 構造"),
        "verdicts": ("Engine verdicts", "エンジンの判定"),
        "verdict": ("Verdict", "判定"),
        "findings": ("Findings", "検出内容"),
        "part": ("Part", "パート"),
        "elapsed": ("Time (ms)", "時間（ms）"),
        "headersAdded": ("Headers added", "追加したヘッダー"),
        "disarmedParts": ("Disarmed parts", "無害化したパート"),
        "none": ("none", "なし"),
        "reportAs": ("Report this message as", "このメッセージを報告"),
        "report": ("Report", "報告"),
        "feedbackRecorded": ("Feedback recorded", "フィードバックを記録しました"),
        "stateChanged": ("State changed", "状態を変更しました"),
        "released": ("Released", "解放済み"),
        "release": ("Release", "解放"),
        "delete": ("Delete", "削除"),
        "deleted": ("Deleted", "削除しました"),
        "noQuarantine": ("Nothing is quarantined.", "隔離中のメッセージはありません。"),
        "preview": ("Preview (text only; nothing in the message is loaded or run)", "プレビュー（テキストのみ。メッセージ内のものは読み込まれず実行もされません）"),
        "htmlSource": ("HTML part, shown as source", "HTML パート（ソース表示）"),
        "noCopy": ("No copy of this message was kept.", "このメッセージのコピーは保存されていません。"),
        "recipients": ("Recipients", "受信者"),
        "queueID": ("Queue id", "キューID"),
        "notFound": ("Not found", "見つかりません"),
        "forbidden": ("Not allowed", "許可されていません"),
        "badRequest": ("Bad request", "不正なリクエスト"),
        "truncated": ("Some findings or parts were left out to keep the record small.", "記録を小さく保つため、一部の検出やパートを省略しています。"),
        "tenants": ("Tenants", "テナント"),
        "direction": ("Direction", "方向"),
        "bytes": ("Bytes", "バイト"),
        "type": ("Type", "種類"),
        "filename": ("File name", "ファイル名"),
        "counted": ("Counted", "集計対象"),
        "yes": ("yes", "はい"),
        "no": ("no", "いいえ"),
        "live": ("Live figures (tracker window)", "現在の値（トラッカーの窓）"),
        "dailyPrecision": ("Precision per day", "日別の適合率"),
        "dailyRecall": ("Recall per day", "日別の再現率"),
        "dailyFailures": ("Errors and timeouts per day (share of scans)", "日別のエラー率とタイムアウト率"),
        "dailyTime": ("Time per scan per day (ms)", "日別のスキャン時間（ms）"),
        "windowActivity": ("Scans in the window", "期間内のスキャン"),
        "mean": ("mean", "平均"),
        "slowest": ("slowest", "最大"),
        "noLabels": ("No labelled decisions in this window yet.", "この期間にはラベル付きの判定がまだありません。"),
        "reasons": ("How the score was reached", "スコアの内訳"),
        "status": ("Engine status", "エンジンの状態情報"),
        "actions": ("Releases and deletions", "解放と削除の記録"),
        "message": ("Message", "メッセージ"),
        "output": ("Release command output", "解放コマンドの出力"),
    ]
}
