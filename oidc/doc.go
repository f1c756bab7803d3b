// Package oidc logs people in through an OpenID Connect provider, as Pod
// does with mozilla-django-oidc (USE_OIDC), at the same paths:
//
//   - GET /oidc/authenticate/?next=… (Handler.Authenticate) starts the
//     authorization code flow: a fresh state, nonce and PKCE verifier
//     (S256) are kept with next in a short-lived HttpOnly cookie scoped to
//     the callback and named after the state, so that the answer is only
//     taken by the browser that asked, and two tabs may log in at once.
//     SameSite=Lax lets the cookie ride the provider's redirect back.
//   - GET /oidc/callback/ (Handler.Callback) takes the provider's answer:
//     the state must name a cookie this browser holds and is used once
//     (Config.Once refuses a replay on every node, else this process);
//     the code is exchanged
//     on the back channel with the PKCE verifier (client_secret_basic or
//     client_secret_post, as the provider's discovery document says, else
//     found by trying); the id_token's signature (the provider's JWKS,
//     only the algorithm OIDC_RP_SIGN_ALGO), issuer, audience (the client
//     id), expiry and nonce are checked; the userinfo endpoint, when there
//     is one, adds its claims (for the same subject). The claims become a
//     lectern.Identity handed to Config.LoginFunc; anything wrong goes to
//     Config.FailFunc (403 for a refused answer, 502 when the provider
//     could not be reached) with the details in the log, and nobody is
//     logged in.
//   - /oidc/logout/ (Handler.Logout) is Lectern's logout; once Lectern's
//     session has ended, Handler.LogoutURL sends the browser to the
//     provider's end-session endpoint (RP-initiated logout) with
//     post_logout_redirect_uri, client_id and, when this browser still
//     has it, the id_token as id_token_hint.
//
// The provider is described by its issuer (OIDC_OP_ISSUER: discovery at
// /.well-known/openid-configuration, and the id_token's iss must be it)
// and by Pod's explicit endpoints (OIDC_OP_*_ENDPOINT), which win over
// the discovered ones. Discovery happens at the first login and is kept
// once it succeeded, so that Lectern starts while the provider is down.
//
// Claims: the username is OIDC_CLAIM_PREFERRED_USERNAME, the names
// OIDC_CLAIM_GIVEN_NAME and OIDC_CLAIM_FAMILY_NAME, the email "email".
// Affiliations come from eduperson_affiliation (or affiliations) and
// eduperson_primary_affiliation when the provider releases them; when it
// says nothing, OIDC_DEFAULT_AFFILIATION is the person's affiliation, as
// Pod's OIDC backend always does. A "groups" claim fills Identity.Groups
// (a group given as an LDAP DN is named by its cn), and
// OIDC_DEFAULT_ACCESS_GROUP_CODE_NAMES Identity.DefaultGroups. The sid
// claim, when present, is the SessionIndex.
package oidc
