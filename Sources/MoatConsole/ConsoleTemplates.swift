import Mustache

/// The console's pages as Mustache templates, compiled into the binary so a daemon copied
/// anywhere serves them. `{{x}}` escapes for HTML (quotes included); the only unescaped values
/// (`{{{…}}}`) are page bodies and charts this module renders itself.
enum ConsoleTemplates {
    static func library() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in templates { try library.register(text, named: name) }
        return library
    }

    static let templates: [(String, String)] = [
        ("layout", layout), ("signin", signIn), ("overview", overview), ("engines", engines), ("engine", engine),
        ("decisions", decisions), ("decision", decision), ("quarantine", quarantine), ("held", held), ("problem", problem),
        ("figures", figures),
    ]

    /// Precision and recall per category (`rows`), as a table with the id `table`.
    static let figures = """
    <table class="data" id="{{table}}">
    <thead><tr><th scope="col">{{t.category}}</th><th scope="col">{{t.precision}} (95 %)</th><th scope="col">{{t.recall}} (95 %)</th><th scope="col">{{t.samples}}</th></tr></thead>
    <tbody>{{#rows}}<tr data-category="{{category}}"><th scope="row">{{category}}</th><td><span class="precision">{{precision}}</span> <small>{{precisionInterval}}</small></td><td><span class="recall">{{recall}}</span> <small>{{recallInterval}}</small></td><td class="num">{{samples}}</td></tr>{{/rows}}</tbody>
    </table>
    """

    static let layout = """
    <!doctype html>
    <html lang="{{lang}}">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{{title}} · Moat</title>
    <link rel="stylesheet" href="/console/static/console.css">
    </head>
    <body>
    <a class="skip" href="#main">{{t.skip}}</a>
    <header class="top">
    <span class="brand">Moat</span>
    {{#session}}
    <nav aria-label="{{t.navigation}}">
    <ul>
    {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>{{/nav}}
    </ul>
    </nav>
    <span class="who">{{t.signedInAs}} <strong>{{session.actor}}</strong></span>
    <form method="post" action="/console/signout" class="inline">
    <input type="hidden" name="csrf" value="{{session.csrf}}">
    <button type="submit" id="signout">{{t.signOut}}</button>
    </form>
    {{/session}}
    <span class="lang" role="group" aria-label="{{t.language}}">
    <a href="/console/language?to=en&amp;back={{back}}" lang="en" hreflang="en" id="lang-en">English</a>
    <a href="/console/language?to=ja&amp;back={{back}}" lang="ja" hreflang="ja" id="lang-ja">日本語</a>
    </span>
    </header>
    <main id="main">
    <h1>{{title}}</h1>
    {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
    {{#problem}}<p class="problem" role="alert">{{problem}}</p>{{/problem}}
    {{{body}}}
    </main>
    <footer><p>{{t.loopbackNote}}</p></footer>
    </body>
    </html>
    """

    static let signIn = """
    <form method="post" action="/console/signin" class="card">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p>{{t.signInHelp}}</p>
    <p><label for="token">{{t.token}}</label><br>
    <input type="password" id="token" name="token" autocomplete="current-password" required size="48"></p>
    <p><label for="name">{{t.yourName}}</label><br>
    <input type="text" id="name" name="name" autocomplete="username" size="32" maxlength="64"></p>
    <p><button type="submit" id="signin">{{t.signIn}}</button></p>
    </form>
    """

    static let overview = """
    <section aria-labelledby="h-hourly">
    <h2 id="h-hourly">{{t.messagesPerHour}}</h2>
    {{{hourlyChart}}}
    <table class="data" id="hourly">
    <thead><tr><th scope="col">{{t.hour}}</th>{{#actions}}<th scope="col">{{.}}</th>{{/actions}}</tr></thead>
    <tbody>{{#hours}}<tr><th scope="row">{{label}}</th>{{#counts}}<td class="num">{{.}}</td>{{/counts}}</tr>{{/hours}}</tbody>
    </table>
    </section>
    <section aria-labelledby="h-findings">
    <h2 id="h-findings">{{t.topFindings}}</h2>
    <table class="data" id="findings">
    <thead><tr><th scope="col">{{t.code}}</th><th scope="col">{{t.count}}</th></tr></thead>
    <tbody>{{#findings}}<tr><td><code>{{code}}</code></td><td class="num">{{count}}</td></tr>{{/findings}}</tbody>
    </table>
    </section>
    {{#global}}
    <section aria-labelledby="h-out">
    <h2 id="h-out">{{t.outOfVote}}</h2>
    {{#hasOutOfVote}}<ul id="out-of-vote">{{#outOfVote}}<li><a href="/console/engines/{{name}}">{{name}}</a>: {{state}}</li>{{/outOfVote}}</ul>{{/hasOutOfVote}}
    {{^outOfVote}}<p id="out-of-vote">{{t.noneOutOfVote}}</p>{{/outOfVote}}
    </section>
    <section aria-labelledby="h-health">
    <h2 id="h-health">{{t.health}}</h2>
    <dl class="facts">
    <dt>{{t.store}}</dt><dd>{{store}}</dd>
    <dt>{{t.workers}}</dt><dd>{{workers}}</dd>
    </dl>
    {{#hasPools}}<table class="data" id="pools"><caption>{{t.workerPools}}</caption>
    <thead><tr><th scope="col">{{t.pool}}</th><th scope="col">{{t.ready}}</th><th scope="col">{{t.restarts}}</th><th scope="col">{{t.poison}}</th></tr></thead>
    <tbody>{{#pools}}<tr data-pool="{{pool}}"><td>{{pool}}</td><td class="num">{{ready}}</td><td class="num">{{restarts}}</td><td class="num">{{poison}}</td></tr>{{/pools}}</tbody></table>{{/hasPools}}
    <p><a href="/console/metrics">{{t.metrics}}</a></p>
    </section>
    {{/global}}
    """

    static let engines = """
    <form method="get" action="/console/engines" class="inline">
    <label for="window">{{t.window}}</label>
    <select id="window" name="days">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}} {{t.days}}</option>{{/windows}}</select>
    <button type="submit">{{t.show}}</button>
    </form>
    <table class="data" id="engines">
    <thead><tr><th scope="col">{{t.name}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.adapter}}</th><th scope="col">{{t.weight}}</th>
    <th scope="col">{{t.timeout}}</th><th scope="col">{{t.errorRate}}</th><th scope="col">{{t.timeoutRate}}</th><th scope="col">{{t.latency}}</th>
    <th scope="col">{{t.windowActivity}} ({{days}} {{t.days}})</th>
    <th scope="col">{{t.precision}} / {{t.recall}} ({{days}} {{t.days}})</th></tr></thead>
    <tbody>
    {{#rows}}<tr data-engine="{{name}}">
    <th scope="row"><a href="/console/engines/{{name}}?days={{days}}">{{name}}</a></th>
    <td><span class="state state-{{state}}">{{state}}</span></td><td>{{adapter}}</td><td class="num">{{weight}}</td><td class="num">{{timeout}} ms</td>
    <td class="num">{{errorRate}}</td><td class="num">{{timeoutRate}}</td><td class="num">{{latency}}</td>
    {{#window}}<td class="window" data-scans="{{scans}}">{{t.errorRate}} {{errorRate}} · {{t.timeoutRate}} {{timeoutRate}} · {{t.mean}} {{mean}} ms <small>(n={{scans}})</small></td>{{/window}}
    <td>{{#categories}}<div class="figure" data-category="{{category}}"><span class="cat">{{category}}</span> P <span class="precision">{{precision}}</span> <small>{{precisionInterval}}</small> · R <span class="recall">{{recall}}</span> <small>{{recallInterval}}</small> <small>(n={{samples}})</small></div>{{/categories}}{{^categories}}<small>{{t.noLabels}}</small>{{/categories}}</td>
    </tr>{{/rows}}
    </tbody>
    </table>
    """

    static let engine = """
    <dl class="facts">
    <dt>{{t.state}}</dt><dd><span class="state state-{{state}}" id="engine-state">{{state}}</span></dd>
    <dt>{{t.adapter}}</dt><dd>{{adapter}}</dd>
    <dt>{{t.weight}}</dt><dd>{{weight}}</dd>
    <dt>{{t.timeout}}</dt><dd>{{timeout}} ms</dd>
    <dt>{{t.errorRate}}</dt><dd>{{errorRate}}</dd>
    <dt>{{t.timeoutRate}}</dt><dd>{{timeoutRate}}</dd>
    <dt>{{t.latency}}</dt><dd>{{latency}}</dd>
    <dt>{{t.removalPolicy}}</dt><dd>{{removal}}</dd>
    <dt>{{t.lastFired}}</dt><dd>{{lastFired}}</dd>
    </dl>
    <section aria-labelledby="h-window">
    <h2 id="h-window">{{t.precision}} / {{t.recall}}</h2>
    <form method="get" action="/console/engines/{{name}}" class="inline">
    <label for="window">{{t.window}}</label>
    <select id="window" name="days">{{#windows}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}} {{t.days}}</option>{{/windows}}</select>
    <button type="submit">{{t.show}}</button>
    </form>
    {{#windowTable}}{{> figures}}{{/windowTable}}
    {{^categories}}<p>{{t.noLabels}}</p>{{/categories}}
    <h3>{{t.live}}</h3>
    {{#liveTable}}{{> figures}}{{/liveTable}}
    <h3>{{t.dailyPrecision}}</h3>
    {{{dailyChart}}}
    <h3>{{t.dailyRecall}}</h3>
    {{{recallChart}}}
    </section>
    <section aria-labelledby="h-activity">
    <h2 id="h-activity">{{t.windowActivity}} ({{days}} {{t.days}})</h2>
    {{#window}}<p id="window-activity" data-scans="{{scans}}">{{t.errorRate}} {{errorRate}} · {{t.timeoutRate}} {{timeoutRate}} · {{t.mean}} {{mean}} ms <small>(n={{scans}})</small></p>{{/window}}
    <h3>{{t.dailyFailures}}</h3>
    {{{failureChart}}}
    <h3>{{t.dailyTime}}</h3>
    {{{timeChart}}}
    </section>
    <section aria-labelledby="h-change">
    <h2 id="h-change">{{t.changeState}}</h2>
    <form method="post" action="/console/engines/{{name}}/state" class="card" id="state-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <p><label for="state">{{t.newState}}</label><br>
    <select id="state" name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/states}}</select></p>
    <p><label for="reason">{{t.reason}}</label><br><input type="text" id="reason" name="reason" required maxlength="500" size="60"></p>
    <p><button type="submit" id="apply-state">{{t.apply}}</button></p>
    </form>
    </section>
    <section aria-labelledby="h-history">
    <h2 id="h-history">{{t.history}}</h2>
    <table class="data" id="history">
    <thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.who}}</th><th scope="col">{{t.reason}}</th></tr></thead>
    <tbody>{{#history}}<tr><td>{{at}}</td><td>{{from}} → {{to}}</td><td>{{actor}}</td><td>{{reason}}</td></tr>{{/history}}</tbody>
    </table>
    </section>
    <section aria-labelledby="h-status">
    <h2 id="h-status">{{t.status}}</h2>
    <dl class="facts">{{#status}}<dt>{{key}}</dt><dd>{{value}}</dd>{{/status}}</dl>
    </section>
    """

    static let decisions = """
    <form method="get" action="/console/decisions" class="filters" role="search">
    <p><label for="q-since">{{t.since}}</label><input type="datetime-local" id="q-since" name="since" value="{{q.since}}"></p>
    <p><label for="q-until">{{t.until}}</label><input type="datetime-local" id="q-until" name="until" value="{{q.until}}"></p>
    <p><label for="q-sender">{{t.from}}</label><input type="text" id="q-sender" name="sender" value="{{q.sender}}"></p>
    <p><label for="q-recipient">{{t.to}}</label><input type="text" id="q-recipient" name="recipient" value="{{q.recipient}}"></p>
    <p><label for="q-subject">{{t.subject}}</label><input type="text" id="q-subject" name="subject" value="{{q.subject}}"></p>
    <p><label for="q-action">{{t.action}}</label><select id="q-action" name="action"><option value="">{{t.any}}</option>{{#actionOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/actionOptions}}</select></p>
    <p><label for="q-category">{{t.category}}</label><select id="q-category" name="category"><option value="">{{t.any}}</option>{{#categoryOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/categoryOptions}}</select></p>
    <p><label for="q-engine">{{t.flaggedBy}}</label><select id="q-engine" name="engine"><option value="">{{t.any}}</option>{{#engineOptions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/engineOptions}}</select></p>
    <p><label for="q-min">{{t.minScore}}</label><input type="number" step="any" id="q-min" name="min_score" value="{{q.minScore}}"></p>
    <p><label for="q-max">{{t.maxScore}}</label><input type="number" step="any" id="q-max" name="max_score" value="{{q.maxScore}}"></p>
    <p><label for="q-id">{{t.identifier}}</label><input type="text" id="q-id" name="id" value="{{q.identifier}}"></p>
    <p><button type="submit" id="search">{{t.search}}</button></p>
    </form>
    <table class="data" id="decisions">
    <thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.from}}</th><th scope="col">{{t.to}}</th><th scope="col">{{t.subject}}</th>
    <th scope="col">{{t.action}}</th><th scope="col">{{t.category}}</th><th scope="col">{{t.score}}</th><th scope="col">{{t.flaggedBy}}</th></tr></thead>
    <tbody>
    {{#rows}}<tr data-id="{{id}}"><td><a href="/console/decisions/{{id}}">{{at}}</a></td><td>{{from}}</td><td>{{to}}</td><td class="subject">{{subject}}</td>
    <td><span class="action action-{{action}}">{{action}}</span></td><td>{{category}}</td><td class="num">{{score}}</td><td>{{flagged}}</td></tr>{{/rows}}
    </tbody>
    </table>
    {{^rows}}<p>{{t.noDecisions}}</p>{{/rows}}
    <nav class="pages" aria-label="{{t.decisions}}">
    {{#previous}}<a href="{{previous}}" rel="prev">{{t.previous}}</a>{{/previous}}
    {{#next}}<a href="{{next}}" rel="next">{{t.next}}</a>{{/next}}
    </nav>
    """

    static let decision = """
    <dl class="facts" id="summary">
    <dt>{{t.when}}</dt><dd>{{at}}</dd>
    <dt>{{t.action}}</dt><dd><span class="action action-{{action}}" id="decision-action">{{action}}</span></dd>
    <dt>{{t.category}}</dt><dd>{{category}}</dd>
    <dt>{{t.score}}</dt><dd>{{score}}</dd>
    <dt>{{t.from}}</dt><dd>{{from}}</dd>
    <dt>{{t.recipients}}</dt><dd>{{to}}</dd>
    <dt>{{t.subject}}</dt><dd id="decision-subject">{{subject}}</dd>
    <dt>Message-ID</dt><dd>{{messageID}}</dd>
    <dt>{{t.queueID}}</dt><dd>{{queueID}}</dd>
    {{#tenants}}<dt>{{t.tenants}}</dt><dd>{{tenants}}</dd>{{/tenants}}
    {{#isolation}}<dt>{{t.isolation}}</dt><dd>{{isolation}}</dd>{{/isolation}}
    </dl>
    {{#truncated}}<p class="notice">{{t.truncated}}</p>{{/truncated}}
    <section aria-labelledby="h-verdicts">
    <h2 id="h-verdicts">{{t.verdicts}}</h2>
    <table class="data" id="verdicts">
    <thead><tr><th scope="col">{{t.engine}}</th><th scope="col">{{t.verdict}}</th><th scope="col">{{t.state}}</th><th scope="col">{{t.score}}</th><th scope="col">{{t.elapsed}}</th><th scope="col">{{t.findings}}</th></tr></thead>
    <tbody>{{#engines}}<tr data-engine="{{engine}}"><th scope="row">{{engine}}</th><td>{{verdict}}</td><td>{{state}}</td><td class="num">{{score}}</td><td class="num">{{elapsed}}</td>
    <td>{{#hasFindings}}<ul class="findings">{{#findings}}<li><code>{{code}}</code> {{#score}}<span class="num">({{score}})</span>{{/score}} {{detail}}{{#part}} <small>[{{t.part}} {{part}}]</small>{{/part}}</li>{{/findings}}</ul>{{/hasFindings}}{{#error}}<p class="problem">{{error}}</p>{{/error}}</td></tr>{{/engines}}</tbody>
    </table>
    {{#hasMessageFindings}}<h3>{{t.mimeFindings}}</h3><ul class="findings">{{#messageFindings}}<li><code>{{code}}</code> {{detail}}</li>{{/messageFindings}}</ul>{{/hasMessageFindings}}
    </section>
    {{#hasReasons}}<section aria-labelledby="h-reasons"><h2 id="h-reasons">{{t.reasons}}</h2>
    <table class="data" id="reasons"><thead><tr><th scope="col">{{t.engine}}</th><th scope="col">{{t.verdict}}</th><th scope="col">{{t.score}}</th><th scope="col">{{t.counted}}</th><th scope="col">{{t.action}}</th></tr></thead>
    <tbody>{{#reasons}}<tr data-engine="{{engine}}"><th scope="row">{{engine}}</th><td>{{label}}</td><td class="num">{{score}}</td><td>{{counted}}</td><td>{{action}}</td></tr>{{/reasons}}</tbody></table></section>{{/hasReasons}}
    <section aria-labelledby="h-headers">
    <h2 id="h-headers">{{t.headersAdded}}</h2>
    {{#hasHeaders}}<pre id="headers">{{#headers}}{{name}}: {{value}}
    {{/headers}}</pre>{{/hasHeaders}}{{^headers}}<p>{{t.none}}</p>{{/headers}}
    </section>
    <section aria-labelledby="h-disarmed">
    <h2 id="h-disarmed">{{t.disarmedParts}}</h2>
    {{#hasDisarmed}}<ul id="disarmed">{{#disarmed}}<li>{{.}}</li>{{/disarmed}}</ul>{{/hasDisarmed}}{{^disarmed}}<p>{{t.none}}</p>{{/disarmed}}
    </section>
    <section aria-labelledby="h-mime">
    <h2 id="h-mime">{{t.mimeTree}}</h2>
    <table class="data" id="mime"><thead><tr><th scope="col">{{t.part}}</th><th scope="col">{{t.type}}</th><th scope="col">{{t.filename}}</th><th scope="col">{{t.bytes}}</th></tr></thead>
    <tbody>{{#parts}}<tr><td class="depth-{{depth}}">{{path}}</td><td>{{contentType}}</td><td>{{filename}}</td><td class="num">{{bytes}}</td></tr>{{/parts}}</tbody></table>
    </section>
    <section aria-labelledby="h-report">
    <h2 id="h-report">{{t.reportAs}}</h2>
    <form method="post" action="/console/decisions/{{id}}/feedback" class="inline" id="feedback-form">
    <input type="hidden" name="csrf" value="{{csrf}}">
    <label for="class">{{t.category}}</label>
    <select id="class" name="class"><option value="ham">ham</option><option value="spam">spam</option><option value="phishing">phishing</option><option value="malware">malware</option></select>
    <button type="submit" id="report">{{t.report}}</button>
    </form>
    </section>
    """

    static let quarantine = """
    <table class="data" id="quarantine">
    <thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.from}}</th><th scope="col">{{t.recipients}}</th><th scope="col">{{t.subject}}</th><th scope="col">{{t.reason}}</th><th scope="col">{{t.flaggedBy}}</th><th scope="col">{{t.state}}</th></tr></thead>
    <tbody>{{#rows}}<tr data-id="{{id}}"><td><a href="/console/quarantine/{{id}}">{{at}}</a></td><td>{{from}}</td><td>{{to}}</td><td class="subject">{{subject}}</td><td>{{reason}}</td><td>{{flagged}}</td><td>{{#released}}{{t.released}} {{released}}{{/released}}</td></tr>{{/rows}}</tbody>
    </table>
    {{^rows}}<p>{{t.noQuarantine}}</p>{{/rows}}
    {{#hasActions}}<section aria-labelledby="h-actions"><h2 id="h-actions">{{t.actions}}</h2>
    <table class="data" id="actions"><thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.action}}</th><th scope="col">{{t.who}}</th><th scope="col">{{t.message}}</th></tr></thead>
    <tbody>{{#actions}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{actor}}</td><td><code>{{id}}</code></td></tr>{{/actions}}</tbody></table></section>{{/hasActions}}
    """

    static let held = """
    <dl class="facts">
    <dt>{{t.when}}</dt><dd>{{at}}</dd>
    <dt>{{t.reason}}</dt><dd>{{reason}}</dd>
    <dt>{{t.from}}</dt><dd>{{from}}</dd>
    <dt>{{t.recipients}}</dt><dd>{{to}}</dd>
    <dt>{{t.queueID}}</dt><dd>{{queueID}}</dd>
    <dt>{{t.flaggedBy}}</dt><dd>{{flagged}}</dd>
    {{#released}}<dt>{{t.released}}</dt><dd id="released-at">{{released}}</dd>{{/released}}
    </dl>
    <p><a href="/console/decisions/{{id}}">{{t.details}}</a></p>
    <div class="actions">
    <form method="post" action="/console/quarantine/{{id}}/release" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="release">{{t.release}}</button></form>
    <form method="post" action="/console/quarantine/{{id}}/delete" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="delete" class="danger">{{t.delete}}</button></form>
    </div>
    <section aria-labelledby="h-history">
    <h2 id="h-history">{{t.actions}}</h2>
    <table class="data" id="history"><thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.action}}</th><th scope="col">{{t.who}}</th><th scope="col">{{t.output}}</th></tr></thead>
    <tbody>{{#actions}}<tr><td>{{at}}</td><td>{{kind}}</td><td>{{actor}}</td><td>{{detail}}</td></tr>{{/actions}}</tbody></table>
    </section>
    <section aria-labelledby="h-preview">
    <h2 id="h-preview">{{t.preview}}</h2>
    {{#preview}}<pre class="headers" id="preview-headers">{{headers}}</pre>
    {{#parts}}<h3>{{label}}</h3><pre class="part">{{text}}</pre>{{/parts}}{{/preview}}
    {{^preview}}<p>{{t.noCopy}}</p>{{/preview}}
    </section>
    """

    static let problem = """
    <p><a href="/console/">{{t.overview}}</a></p>
    """
}
