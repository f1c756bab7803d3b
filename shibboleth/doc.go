// Package shibboleth logs people in through their university's SAML
// identity provider (Shibboleth, LemonLDAP::NG, ...), in the two ways
// universities deploy it, with Pod's settings (USE_SHIB, SHIB_NAME,
// SHIB_URL, SHIB_LOGOUT_URL, REMOTE_USER_HEADER, SHIBBOLETH_ATTRIBUTE_MAP,
// SHIBBOLETH_STAFF_ALLOWED_DOMAINS):
//
//   - Header: Lectern sits behind a web server whose Shibboleth module
//     (Apache's mod_shib, nginx's shibboleth module) speaks SAML and hands
//     the person on in request headers. Header's one route reads them, and
//     only when the request comes from a trusted proxy address: from
//     anywhere else the same headers are a forgery and log nobody in.
//     Every other route ignores them.
//   - SAML: Lectern is the SAML 2.0 service provider itself
//     (github.com/crewjam/saml): metadata, SP-initiated login with a
//     signed AuthnRequest, the assertion consumer service (signature,
//     audience, time conditions, destination, InResponseTo, replay on
//     every node through lectern.OnceService), the answer's login ended
//     only in the browser that started it (saml_continue.go: login CSRF)
//     and the identity provider's single logout.
//
// Both end in the LoginFunc the caller gives (web's CompleteLogin) with a
// lectern.Identity, or in FailFunc (web's LoginFailed) with the details
// logged here.
package shibboleth
