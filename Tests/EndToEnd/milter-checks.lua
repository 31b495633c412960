-- Shared by the miltertest scripts (loaded with dofile(dir .. "/milter-checks.lua")): TAP-like
-- lines the shell scripts read, and an error that stops the script at the first failure.

function fail(text)
    mt.echo("FAIL - " .. text)
    error(text)
end

function expect(ok, text)
    if ok then mt.echo("ok - " .. text) else fail(text) end
end
