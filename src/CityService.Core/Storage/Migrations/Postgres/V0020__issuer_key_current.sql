-- Signed documents (docs/signed-documents.md): at most one key per issuer signs, so concurrent first use by several
-- requests or instances ends with one key; the others read it back.
CREATE UNIQUE INDEX ux_issuer_keys_issuer_code_current ON issuer_keys (issuer_code) WHERE retired_at IS NULL AND revoked_at IS NULL;
