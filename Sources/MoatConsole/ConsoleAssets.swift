/// The console's style sheet, compiled in. No script is served: every page works with plain
/// forms, which also keeps the Content-Security-Policy at `script-src 'none'`.
enum ConsoleAssets {
    static let css = """
    :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --accent: #0a4ea3; --bad: #a40e26; --ok: #116329; --warn: #7d4e00; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, "Noto Sans", "Noto Sans CJK JP", sans-serif; color: var(--ink); background: #f6f8fa; }
    a { color: var(--accent); }
    :focus-visible { outline: 3px solid #e36209; outline-offset: 2px; }
    .skip { position: absolute; left: -9999px; }
    .skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 10; }
    header.top { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 8px 16px; background: #fff; border-bottom: 1px solid var(--line); }
    .brand { font-weight: 700; font-size: 18px; }
    nav ul { list-style: none; display: flex; gap: 12px; margin: 0; padding: 0; }
    nav a[aria-current="page"] { font-weight: 700; text-decoration: none; border-bottom: 2px solid var(--accent); }
    .who { margin-left: auto; color: var(--muted); }
    .lang a { margin-left: 6px; }
    main { padding: 8px 16px 24px; max-width: 1400px; }
    footer { padding: 8px 16px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); }
    h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 16px; }
    table.data { border-collapse: collapse; background: #fff; width: 100%; margin: 8px 0; }
    table.data th, table.data td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
    table.data thead th { background: #eef1f4; }
    .num { text-align: right; font-variant-numeric: tabular-nums; }
    .subject { max-width: 420px; overflow-wrap: anywhere; }
    form.inline { display: inline-flex; gap: 6px; align-items: center; margin: 0; }
    form.card { background: #fff; border: 1px solid var(--line); padding: 12px 16px; max-width: 640px; }
    form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 4px 12px; background: #fff; border: 1px solid var(--line); padding: 8px 12px; }
    form.filters p { margin: 4px 0; } form.filters label { display: block; font-size: 13px; color: var(--muted); }
    input, select, button { font: inherit; padding: 3px 6px; }
    button { cursor: pointer; border: 1px solid var(--line); background: #fff; border-radius: 4px; }
    button.danger { color: var(--bad); border-color: var(--bad); }
    .notice { background: #ddf4ff; border: 1px solid #54aeff; padding: 6px 10px; }
    .problem { background: #ffebe9; border: 1px solid #ff8182; padding: 6px 10px; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; background: #fff; border: 1px solid var(--line); padding: 8px 12px; }
    dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
    .state-active { color: var(--ok); } .state-shadow { color: var(--warn); } .state-disabled { color: var(--bad); }
    .action-reject, .action-discard, .action-tempfail { color: var(--bad); font-weight: 600; }
    .action-quarantine { color: var(--warn); font-weight: 600; } .action-tag { color: var(--accent); }
    ul.findings { margin: 0; padding-left: 18px; }
    pre { background: #fff; border: 1px solid var(--line); padding: 8px; white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px; overflow: auto; }
    .depth-1 { padding-left: 20px; } .depth-2 { padding-left: 36px; } .depth-3 { padding-left: 52px; } .depth-4 { padding-left: 68px; }
    .actions { display: flex; gap: 12px; margin: 12px 0; }
    .pages { display: flex; gap: 16px; margin: 8px 0; }
    svg.chart { background: #fff; border: 1px solid var(--line); max-width: 100%; height: auto; }
    svg.chart text { font-size: 11px; fill: var(--muted); }
    .figure small, td small { color: var(--muted); }
    """
}
