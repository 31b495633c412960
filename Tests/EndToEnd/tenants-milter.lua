-- miltertest script for tenants.sh, a second real milter peer. 1: one message to a recipient of
-- a refusing tenant (acme) and one of a keeping tenant (globex): acme's recipient is deleted with
-- DELRCPT, globex's keeps the message. 2: outbound mail from an authenticated client
-- ({auth_authen}): decided by the sender's tenant and [policy.outbound], and said so. (This miltertest offers every action whatever
-- mt.negotiate is given, so the refusal without SMFIF_DELRCPT is proven by the session state
-- machine's tests instead.) Globals set with -D: port, dir (this folder).

dofile(dir .. "/milter-checks.lua")

-- Sends the message on a new connection; returns the connection after EOM.
local function send(actions)
    local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
    if conn == nil then fail("connect") end
    if mt.negotiate(conn, 6, actions, nil) ~= nil then fail("negotiate") end
    mt.conninfo(conn, "client.example", "192.0.2.10")
    mt.helo(conn, "client.example")
    mt.mailfrom(conn, "<partner@moat.test>")
    mt.rcptto(conn, "<alice@acme.test>")
    mt.rcptto(conn, "<bob@globex.test>")
    mt.header(conn, "From", "partner@moat.test")
    mt.header(conn, "Subject", "minutes")
    mt.eoh(conn)
    mt.bodystring(conn, "The minutes.\r\n")
    if mt.eom(conn) ~= nil then fail("eom") end
    return conn
end

mt.set_timeout(30)

-- Every action Postfix offers (0x1FF): acme's recipient is deleted, globex's gets the message.
local full = send(0x1FF)
expect(mt.test_action(full, SMFIF_DELRCPT), "moatd asked for DELRCPT")
expect(mt.eom_check(full, MT_RCPTDELETE, "<alice@acme.test>"), "acme's recipient deleted")
expect(not mt.eom_check(full, MT_RCPTDELETE, "<bob@globex.test>"), "globex's recipient kept")
expect(mt.getreply(full) == SMFIR_ACCEPT, "the message accepted for globex")
mt.disconnect(full)

-- Outbound: a client that authenticated ({auth_authen} with MAIL) sends from acme's domain.
local function sendAs(login, from, subject)
    local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
    if conn == nil then fail("connect") end
    if mt.negotiate(conn, 6, nil, nil) ~= nil then fail("negotiate") end
    mt.conninfo(conn, "laptop.example", "198.51.100.20")
    mt.helo(conn, "laptop.example")
    mt.macro(conn, SMFIC_MAIL, "{auth_authen}", login, "{auth_type}", "PLAIN")
    mt.mailfrom(conn, from)
    mt.rcptto(conn, "<friend@outside.test>")
    mt.header(conn, "From", from)
    mt.header(conn, "Subject", subject)
    mt.eoh(conn)
    mt.bodystring(conn, "Hello from the inside.\r\n")
    if mt.eom(conn) ~= nil then fail("eom") end
    return conn
end

local out = sendAs("alice", "<alice@acme.test>", "hello")
expect(mt.getreply(out) == SMFIR_ACCEPT, "outbound mail from an authenticated client accepted")
expect(mt.eom_check(out, MT_HDRADD, "X-Moat-Direction", "outbound"), "X-Moat-Direction: outbound added")
expect(mt.eom_check(out, MT_HDRADD, "X-Moat-Tenant", "acme"), "decided by the sender's tenant (acme)")
mt.disconnect(out)

local bulk = sendAs("bulk", "<bulk@acme.test>", "offer")
expect(mt.getreply(bulk) == SMFIR_REPLYCODE, "[policy.outbound]'s block list refuses the bulk sender")
mt.disconnect(bulk)

mt.echo("miltertest: all checks passed")
