#!/usr/bin/env python3
"""Writes a whole LemonLDAP::NG 2.16 configuration (lmConf-1.json) for the
tests to stdout: LDAP authentication against the test slapd, and the CAS
server, OpenID Connect provider and SAML identity provider, each with one
client per application URL in APP_URLS. Settings not given take LL::NG's
built-in defaults.
Environment: STATE LLNG_HOST LLNG_PORT LLNG_DOMAIN LDAP_URL APP_URLS
SAML_SP_CERT (optional: the SPs' signing certificate, PEM)."""
import json, os, sys, time

E = os.environ.get
S = E("STATE")
host, port, domain = E("LLNG_HOST", "auth.example.test"), E("LLNG_PORT", "19080"), E("LLNG_DOMAIN", "example.test")
apps = E("APP_URLS", "http://127.0.0.1:18080").split()
portal = f"http://{host}:{port}/"
L = f"{S}/llng"
keys = f"{S}/keys"
read = lambda p: open(p).read()
# session attribute <- LDAP attribute
attrs = {a: a for a in ("uid", "cn", "mail", "givenName", "sn", "eduPersonAffiliation",
                        "eduPersonPrimaryAffiliation", "eduPersonPrincipalName", "memberOf")}

conf = {
    "cfgNum": 1, "cfgVersion": "2.16.1", "cfgAuthor": "scripts/idp", "cfgDate": str(int(time.time())),
    "cfgLog": "generated for Lectern's tests",
    "globalStorage": "Apache::Session::File",
    "globalStorageOptions": {"Directory": f"{L}/sessions", "LockDirectory": f"{L}/sessions/lock",
                             "generateModule": "Lemonldap::NG::Common::Apache::Session::Generate::SHA256"},
    "persistentStorage": "Apache::Session::File",
    "persistentStorageOptions": {"Directory": f"{L}/psessions", "LockDirectory": f"{L}/psessions/lock"},
    "localSessionStorage": "Cache::FileCache",
    "localSessionStorageOptions": {"cache_depth": 3, "cache_root": f"{L}/cache", "default_expires_in": 600,
                                   "directory_umask": "007", "namespace": "lemonldap-ng-sessions"},
    "notification": 0, "loginHistoryEnabled": 0, "reloadUrls": {},
    "domain": domain, "portal": portal, "cookieName": "lemonldap", "securedCookie": 0,
    # Lax, not the None LL::NG picks when SAML is on: over plain http a
    # SameSite=None cookie has no Secure, and Chromium drops it (no SSO
    # session in the browser journeys: every login shows the form).
    "sameSite": "Lax",
    "timeout": 72000, "portalSkin": "bootstrap",
    "trustedDomains": "127.0.0.1 localhost",
    "whatToTrace": "uid",
    "locationRules": {host: {"default": "accept"}},
    "authentication": "LDAP", "userDB": "Same", "passwordDB": "Null", "registerDB": "Null",
    "ldapServer": E("LDAP_URL", "ldap://127.0.0.1:1389"),
    "ldapBase": "ou=people,dc=example,dc=test",
    "managerDn": "cn=admin,dc=example,dc=test", "managerPassword": "adminpw",
    "LDAPFilter": "(&(uid=$user)(objectClass=inetOrgPerson))",
    "ldapExportedVars": attrs,
    "multiValuesSeparator": "; ",
    # CAS server
    "issuerDBCASActivation": 1, "casAttr": "uid", "casAccessControlPolicy": "error",
    # single logout: a LogoutRequest posted to each service the session logged into
    "casBackChannelSingleLogout": 1,
    "casAttributes": {a: a for a in attrs},
    "casAppMetaDataOptions": {}, "casAppMetaDataExportedVars": {},
    # OpenID Connect provider
    "issuerDBOpenIDConnectActivation": 1,
    "oidcServiceMetaDataIssuer": portal.rstrip("/"),
    "oidcServicePrivateKeySig": read(f"{keys}/oidc.key"),
    "oidcServicePublicKeySig": read(f"{keys}/oidc.pub"),
    "oidcServiceKeyIdSig": "testkey1",
    "oidcServiceIgnoreScopeForClaims": 0,
    "oidcRPMetaDataOptions": {}, "oidcRPMetaDataExportedVars": {}, "oidcRPMetaDataOptionsExtraClaims": {},
    # SAML identity provider
    "issuerDBSAMLActivation": 1,
    "samlServicePrivateKeySig": read(f"{keys}/saml.key"),
    "samlServicePublicKeySig": read(f"{keys}/saml.crt"),
    "samlSPMetaDataXML": {}, "samlSPMetaDataOptions": {}, "samlSPMetaDataExportedAttributes": {},
}

sp_cert = ""
if E("SAML_SP_CERT"):
    pem = read(E("SAML_SP_CERT"))
    sp_cert = "".join(l for l in pem.splitlines() if "CERTIFICATE" not in l)
uri = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"
for i, app in enumerate(apps, 1):
    name = f"app{i}"
    conf["casAppMetaDataOptions"][name] = {"casAppMetaDataOptionsService": f"{app}/",
                                           "casAppMetaDataOptionsUserAttribute": "uid",
                                           "casAppMetaDataOptionsLogout": 1}
    conf["casAppMetaDataExportedVars"][name] = {a: a for a in attrs}
    conf["oidcRPMetaDataOptions"][name] = {
        "oidcRPMetaDataOptionsClientID": name,
        "oidcRPMetaDataOptionsClientSecret": f"{name}-secret",
        "oidcRPMetaDataOptionsRedirectUris": f"{app}/oidc/callback/",
        "oidcRPMetaDataOptionsPostLogoutRedirectUris": f"{app}/accounts/login/",
        "oidcRPMetaDataOptionsIDTokenSignAlg": "RS256",
        "oidcRPMetaDataOptionsBypassConsent": 1,
        "oidcRPMetaDataOptionsIDTokenForceClaims": 1,
        "oidcRPMetaDataOptionsPublic": 0,
        "oidcRPMetaDataOptionsRequirePKCE": 1,
        "oidcRPMetaDataOptionsUserIDAttr": "uid",
        "oidcRPMetaDataOptionsIDTokenExpiration": 3600,
        "oidcRPMetaDataOptionsAccessTokenExpiration": 3600,
    }
    conf["oidcRPMetaDataExportedVars"][name] = {
        "email": "mail", "given_name": "givenName", "family_name": "sn", "name": "cn",
        "preferred_username": "uid",
        "eduperson_affiliation": "eduPersonAffiliation;string;always",
        "eduperson_primary_affiliation": "eduPersonPrimaryAffiliation",
        "eduperson_principal_name": "eduPersonPrincipalName",
        "groups": "memberOf;string;always",
    }
    conf["oidcRPMetaDataOptionsExtraClaims"][name] = {
        "eduperson": "eduperson_affiliation eduperson_primary_affiliation eduperson_principal_name groups"}
    key = ""
    if sp_cert:
        key = f"""<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{sp_cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"""
    conf["samlSPMetaDataXML"][name] = {"samlSPMetaDataXML": f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{app}/saml/metadata/">
 <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
  {key}
  <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{app}/saml/slo/"/>
  <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
  <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{app}/saml/acs/" index="0" isDefault="true"/>
 </md:SPSSODescriptor>
</md:EntityDescriptor>"""}
    conf["samlSPMetaDataOptions"][name] = {
        "samlSPMetaDataOptionsCheckSSOMessageSignature": 0,
        "samlSPMetaDataOptionsCheckSLOMessageSignature": 0,
        "samlSPMetaDataOptionsSignSSOMessage": 1,
        "samlSPMetaDataOptionsSignSLOMessage": 1,
        "samlSPMetaDataOptionsEncryptionMode": "none",
        "samlSPMetaDataOptionsNameIDFormat": "unspecified",
        "samlSPMetaDataOptionsNameIDSessionKey": "uid",
        "samlSPMetaDataOptionsEnableIDPInitiatedURL": 1,
        "samlSPMetaDataOptionsOneTimeUse": 0,
    }
    conf["samlSPMetaDataExportedAttributes"][name] = {
        "uid": f"0;urn:oid:0.9.2342.19200300.100.1.1;{uri};uid",
        "mail": f"0;urn:oid:0.9.2342.19200300.100.1.3;{uri};mail",
        "givenName": f"0;urn:oid:2.5.4.42;{uri};givenName",
        "sn": f"0;urn:oid:2.5.4.4;{uri};sn",
        "cn": f"0;urn:oid:2.5.4.3;{uri};cn",
        "eduPersonAffiliation": f"0;urn:oid:1.3.6.1.4.1.5923.1.1.1.1;{uri};eduPersonAffiliation",
        "eduPersonPrimaryAffiliation": f"0;urn:oid:1.3.6.1.4.1.5923.1.1.1.5;{uri};eduPersonPrimaryAffiliation",
        "eduPersonPrincipalName": f"0;urn:oid:1.3.6.1.4.1.5923.1.1.1.6;{uri};eduPersonPrincipalName",
        "memberOf": f"0;urn:oid:1.3.6.1.4.1.5923.1.5.1.1;{uri};isMemberOf",
    }
json.dump(conf, sys.stdout, indent=1, sort_keys=True)
