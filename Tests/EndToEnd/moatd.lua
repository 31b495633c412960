-- miltertest script: OpenDKIM's miltertest acts as the MTA and drives moatd through whole
-- transactions on one connection, checking replies and modifications.
-- Globals set with -D: port, dir (this folder).

dofile(dir .. "/milter-checks.lua")

local function continues(result, reply, step)
    if result ~= nil then fail(step .. " failed: " .. tostring(result)) end
    expect(reply == SMFIR_CONTINUE, step .. " answered CONTINUE")
end

mt.set_timeout(30)
local conn = mt.connect("inet:" .. port .. "@127.0.0.1", 40, 0.25)
if conn == nil then fail("connect") end

-- moatd asks for headers and body without per-event replies, and no UNKNOWN.
if mt.negotiate(conn, nil, nil, nil) ~= nil then fail("negotiate") end
expect(mt.test_option(conn, SMFIP_NR_HDR), "negotiated no reply to HEADER")
expect(mt.test_option(conn, SMFIP_NR_BODY), "negotiated no reply to BODY")
expect(mt.test_action(conn, SMFIF_ADDHDRS), "negotiated ADDHDRS")
expect(mt.test_action(conn, SMFIF_CHGBODY), "negotiated CHGBODY")

continues(mt.conninfo(conn, "client.example", "192.0.2.10"), mt.getreply(conn), "CONNECT")
continues(mt.helo(conn, "client.example"), mt.getreply(conn), "HELO")

-- Message 1: clean, with a forged verdict header that must be deleted.
continues(mt.mailfrom(conn, "<sender@example.com>"), mt.getreply(conn), "MAIL")
continues(mt.rcptto(conn, "<user@moat.test>"), mt.getreply(conn), "RCPT")
mt.header(conn, "From", "sender@example.com")
mt.header(conn, "Subject", "quarterly figures")
mt.header(conn, "X-Moat-Verdict", "accept (forged)")
mt.eoh(conn)
mt.bodystring(conn, "Figures attached tomorrow.\r\n")
if mt.eom(conn) ~= nil then fail("EOM 1") end
expect(mt.getreply(conn) == SMFIR_ACCEPT, "clean message accepted")
expect(mt.eom_check(conn, MT_HDRADD, "X-Moat-Id"), "X-Moat-Id added")
expect(mt.eom_check(conn, MT_HDRADD, "X-Moat-Verdict", "accept"), "X-Moat-Verdict: accept added")
expect(mt.eom_check(conn, MT_HDRDELETE, "X-Moat-Verdict"), "forged X-Moat-Verdict deleted")
expect(not mt.eom_check(conn, MT_BODYCHANGE), "clean body left alone")
mt.abort(conn)

-- Message 2, same connection: a detected attachment is rejected with the configured reply.
continues(mt.mailfrom(conn, "<sender@example.com>"), mt.getreply(conn), "MAIL 2")
continues(mt.rcptto(conn, "<user@moat.test>"), mt.getreply(conn), "RCPT 2")
mt.header(conn, "From", "sender@example.com")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed;\n\tboundary=\"b1\"")
mt.eoh(conn)
mt.bodystring(conn, "--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b1\r\n" ..
    "Content-Type: application/octet-stream; name=\"a.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" ..
    "TU9BVC1URVNULU1BTFdBUkUtN2YzYQ==\r\n--b1--\r\n")
if mt.eom(conn) ~= nil then fail("EOM 2") end
expect(mt.getreply(conn) == SMFIR_REPLYCODE, "detected message refused with a reply code")
expect(mt.eom_check(conn, MT_SMTPREPLY, "550 5.7.1 Moat test rejection"), "reply is the configured 550 text")
expect(not mt.eom_check(conn, MT_HDRADD), "no headers added to a rejected message")
mt.abort(conn)

-- Message 3: the disarm engine replaces the matching part; the message is tagged and delivered.
continues(mt.mailfrom(conn, "<sender@example.com>"), mt.getreply(conn), "MAIL 3")
continues(mt.rcptto(conn, "<user@moat.test>"), mt.getreply(conn), "RCPT 3")
mt.header(conn, "MIME-Version", "1.0")
mt.header(conn, "Content-Type", "multipart/mixed; boundary=\"b2\"")
mt.eoh(conn)
mt.bodystring(conn, "--b2\r\nContent-Type: text/plain\r\n\r\nKEEP\r\n--b2\r\n" ..
    "Content-Type: text/plain; name=\"x.txt\"\r\nContent-Disposition: attachment; filename=\"x.txt\"\r\n\r\n" ..
    "MOAT-DISARM-ME\r\n--b2--\r\n")
if mt.eom(conn) ~= nil then fail("EOM 3") end
expect(mt.getreply(conn) == SMFIR_ACCEPT, "disarmed message delivered")
expect(mt.eom_check(conn, MT_BODYCHANGE), "body replaced")
local verdict = mt.getheader(conn, "X-Moat-Verdict", 0)
expect(verdict ~= nil and string.find(verdict, "tag", 1, true) ~= nil, "verdict header says tag (" .. tostring(verdict) .. ")")

mt.disconnect(conn)
mt.echo("miltertest: all checks passed")
