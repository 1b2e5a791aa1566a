-- One timestamp convention for every table (ADR 012): timestamptz, UTC. These columns held BIGINT unix milliseconds;
-- the conversion is exact (epoch + n ms). Indexes on them are rebuilt by ALTER ... TYPE.
ALTER TABLE otp_challenges
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + created_at * INTERVAL '1 millisecond',
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond',
    ALTER COLUMN consumed_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + consumed_at * INTERVAL '1 millisecond';
ALTER TABLE identity_verifications
    ALTER COLUMN at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + at * INTERVAL '1 millisecond';
ALTER TABLE face_challenges
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond',
    ALTER COLUMN used_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + used_at * INTERVAL '1 millisecond';
ALTER TABLE api_clients
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + created_at * INTERVAL '1 millisecond';
ALTER TABLE api_nonces
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond';
ALTER TABLE staff_assignments
    ALTER COLUMN granted_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + granted_at * INTERVAL '1 millisecond';
ALTER TABLE sessions
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + created_at * INTERVAL '1 millisecond',
    ALTER COLUMN last_seen_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + last_seen_at * INTERVAL '1 millisecond',
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond',
    ALTER COLUMN ended_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + ended_at * INTERVAL '1 millisecond';
ALTER TABLE client_limit_hits
    ALTER COLUMN at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + at * INTERVAL '1 millisecond';
ALTER TABLE sign_in_lockouts
    ALTER COLUMN locked_until TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + locked_until * INTERVAL '1 millisecond';
ALTER TABLE channel_link_requests
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + created_at * INTERVAL '1 millisecond',
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond',
    ALTER COLUMN confirmed_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + confirmed_at * INTERVAL '1 millisecond';
ALTER TABLE channel_assertions
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond';
ALTER TABLE staff_invitations
    ALTER COLUMN created_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + created_at * INTERVAL '1 millisecond',
    ALTER COLUMN expires_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + expires_at * INTERVAL '1 millisecond',
    ALTER COLUMN withdrawn_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + withdrawn_at * INTERVAL '1 millisecond',
    ALTER COLUMN accepted_at TYPE TIMESTAMPTZ USING TIMESTAMPTZ 'epoch' + accepted_at * INTERVAL '1 millisecond';
