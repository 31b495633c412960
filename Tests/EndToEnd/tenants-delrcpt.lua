-- miltertest script for tenants.sh: one message to a recipient of a refusing tenant (acme) and one
-- of a keeping tenant (globex), from a second real milter peer: acme's recipient is deleted with
-- DELRCPT, globex's keeps the message. (This miltertest offers every action whatever
-- mt.negotiate is given, so the refusal without SMFIF_DELRCPT is proven by the session state
-- machine's tests instead.) Globals set with -D: port.

local function fail(text)
    mt.echo("FAIL - " .. text)
    error(text)
end

local function expect(ok, text)
    if ok then mt.echo("ok - " .. text) else fail(text) end
end

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

mt.echo("miltertest: all checks passed")
