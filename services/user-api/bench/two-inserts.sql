-- What POST /users writes, as pgbench sees it: one transaction, a user row and its outbox row.
\set n random(1, 2000000000)
BEGIN;
INSERT INTO users (id, email, name, created_at, updated_at, version)
  VALUES (gen_random_uuid(), 'pgbench-' || :client_id || '-' || :n || '-' || md5(random()::text) || '@x.io', 'Bench User', now(), now(), 1);
INSERT INTO outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version, aggregate_type, aggregate_id)
  VALUES (gen_random_uuid(), 'user_created', now(), 'bench', '{"user_id":"0190f5e2-0000-7000-8000-000000000000","email":"pgbench@x.io","name":"Bench User","version":1}', 1, 'user', '0190f5e2-0000-7000-8000-000000000000');
END;
