# Sourced by the Solr image's solr-precreate (run-initdb) before Solr starts: writes
# $SOLR_HOME/security.json with HTTP Basic authentication (every request needs it) and one user,
# CKAN_SOLR_USER, allowed everything. Only a salted hash of CKAN_SOLR_PASSWORD is written, made
# again at every start with a new salt, so changing the secret and restarting rotates the
# password; no hash lives in git. Hash as Solr's Sha256AuthenticationProvider checks it:
# base64(sha256(sha256(salt + password))) followed by base64(salt).
: "${CKAN_SOLR_PASSWORD:?set CKAN_SOLR_PASSWORD, the password CKAN uses for Solr}"
solr_user="${CKAN_SOLR_USER:-ckan}"
case "$solr_user" in
  "" | *[!A-Za-z0-9_.-]*) echo "CKAN_SOLR_USER: letters, digits, '_', '.', '-' only" >&2; exit 1 ;;
esac
solr_salt="$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
solr_hash="$( { printf '%s' "$solr_salt" | base64 -d; printf '%s' "$CKAN_SOLR_PASSWORD"; } |
  openssl dgst -sha256 -binary | openssl dgst -sha256 -binary | base64 | tr -d '\n')"
(
  umask 077
  cat > "${SOLR_HOME:-/var/solr/data}/security.json" <<JSON
{
  "authentication": {
    "class": "solr.BasicAuthPlugin",
    "blockUnknown": true,
    "forwardCredentials": false,
    "realm": "Tangerang Satu Data Solr",
    "credentials": {"$solr_user": "$solr_hash $solr_salt"}
  },
  "authorization": {
    "class": "solr.RuleBasedAuthorizationPlugin",
    "permissions": [{"name": "all", "role": "admin"}],
    "user-role": {"$solr_user": ["admin"]}
  }
}
JSON
)
# Solr itself does not need the clear password: keep it out of the JVM's environment
unset CKAN_SOLR_PASSWORD solr_salt solr_hash solr_user
