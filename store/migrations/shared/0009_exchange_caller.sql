-- Who sent an exchange call (the client address as the portal saw it, behind trusted
-- proxies the address they saw), so staff can tell Pay.nl's servers from someone probing the
-- endpoint with forged signatures. Calls logged before this column existed have none.
ALTER TABLE exchange_call ADD COLUMN caller_ip TEXT;
