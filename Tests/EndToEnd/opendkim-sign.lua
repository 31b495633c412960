-- Signs one message with a running opendkim (signing mode, -D port=N) and prints the DKIM-Signature
-- header it adds at end of message, so auth.sh can verify in Moat what an independent signer made.
conn = mt.connect("inet:" .. port .. "@127.0.0.1")
if conn == nil then error("cannot connect to opendkim") end
mt.conninfo(conn, "localhost", "127.0.0.1")
mt.macro(conn, SMFIC_MAIL, "i", "odk-test")
mt.mailfrom(conn, "carol@odk.test")
mt.rcptto(conn, "user@moat.test")
mt.header(conn, "From", "Carol <carol@odk.test>")
mt.header(conn, "To", "user@moat.test")
mt.header(conn, "Subject", "signed by opendkim")
mt.header(conn, "Date", "Thu, 3 Dec 2026 10:00:00 +0000")
mt.header(conn, "Message-ID", "<odk1@odk.test>")
mt.eoh(conn)
mt.bodystring(conn, "Signed by OpenDKIM's milter.\r\nSecond line.\r\n")
mt.eom(conn)
if not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") and not mt.eom_check(conn, MT_HDRADD, "DKIM-Signature") then
    error("opendkim added no DKIM-Signature")
end
print("DKIM-Signature:" .. mt.getheader(conn, "DKIM-Signature", 0))
mt.disconnect(conn)
