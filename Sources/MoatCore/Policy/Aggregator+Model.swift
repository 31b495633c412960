extension Aggregator {
    /// Decides with the learned combiner: its score (log-odds) replaces the weighted sum, and at or
    /// above its threshold the message gets the action of the worst spam/phishing/suspicious category
    /// an engine reported, or phishing when the model's phishing head says so (spam otherwise). Malware and policy detections keep their own actions,
    /// as does an engine failure whose manifest asks for tempfail: a model learned from mail without
    /// viruses must not talk the gateway out of a signature hit.
    ///
    /// Each reason's weighted score is the sum of its engine's contributions, and the bias and
    /// message facts are the `model` reason, so the reasons add up to the decision's score.
    func decide(
        scanID: String, verdicts: [EngineVerdict], manifests: [String: EngineManifest], messageFindings: [Finding],
        model: VerdictModel
    ) -> Decision {
        let vector = VerdictFeatures.extract(verdicts: verdicts, messageFindings: messageFindings)
        let (score, contributions) = model.score(vector)
        var byEngine: [String: Double] = [:]
        var unowned = model.bias
        for contribution in contributions {
            if let engine = contribution.engine { byEngine[engine, default: 0] += contribution.amount } else { unowned += contribution.amount }
        }
        let acts = score >= model.threshold
        var action = Action.accept
        var category: VerdictCategory?
        var learnedCategory: VerdictCategory?
        var reasons: [Decision.Reason] = []
        var replacements: [PartReplacement] = []
        var failures: [String] = []
        var notReady: [String] = []

        for verdict in verdicts {
            let manifest = manifests[verdict.engine]
            var asked = Action.accept
            var counted = verdict.votes
            var note: String
            switch verdict.outcome {
            case .clean:
                note = "clean"
            case .detected(let detected):
                note = "\(detected.rawValue) detected"
                if detected == .malware || detected == .policy {
                    asked = verdict.requestedAction ?? policy.onDetect[detected] ?? .tag
                    if counted { category = max(category ?? detected, detected) }
                } else {
                    note += ", weighed by the model"
                    if counted { learnedCategory = max(learnedCategory ?? detected, detected) }
                }
            case .error, .timeout, .notReady:
                (note, asked, counted) = Self.unanswered(verdict, manifest: manifest, notReady: &notReady)
            }
            if !verdict.votes { note += " (shadow: not counted)" }
            let share = verdict.votes ? byEngine.removeValue(forKey: verdict.engine) ?? 0 : 0
            if counted {
                action = max(action, asked)
                replacements += verdict.replacements
            }
            if verdict.votes && verdict.isFailure { failures.append(verdict.engine) }
            reasons.append(Decision.Reason(
                engine: verdict.engine, label: verdict.label, weightedScore: share, counted: counted, action: asked, note: note
            ))
        }
        // Contributions of engines without a verdict here (none in practice) stay in the sum.
        for (_, amount) in byEngine.sorted(by: { $0.key < $1.key }) { unowned += amount }
        // The phishing head names the kind of unwanted mail when the engines did not say phishing.
        if acts, let head = model.phishing, learnedCategory != .phishing, head.score(vector.values) >= 0 {
            learnedCategory = .phishing
        }
        if acts {
            let learned = learnedCategory ?? .spam
            action = max(action, policy.onDetect[learned] ?? .tag)
            category = max(category ?? learned, learned)
        }
        let probability = model.probability(score)
        reasons.append(Decision.Reason(
            engine: "model", label: acts ? "unwanted" : "wanted", weightedScore: unowned, counted: true,
            action: acts ? policy.onDetect[learnedCategory ?? .spam] ?? .tag : .accept,
            note: "bias and message facts; p=\(String(format2: probability)), acts at score \(String(format2: model.threshold))"
        ))

        let deliverable = action <= .quarantine
        var decision = Decision(
            scanID: scanID, action: action, score: score, category: category, reasons: reasons,
            verdicts: verdicts, headers: [], replacements: deliverable ? replacements : [],
            smtpReply: nil, quarantineReason: nil, messageFindings: messageFindings,
            model: Decision.ModelExplanation(bias: model.bias, probability: probability, threshold: model.threshold, contributions: contributions)
        )
        decision.features = vector.values
        finish(&decision, failures: failures, notReady: notReady)
        return decision
    }
}
