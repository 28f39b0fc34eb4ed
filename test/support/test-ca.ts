// A real, self-signed certificate for configurations that need a ca_cert which parses (the CPI checks
// every ca_cert): test-only, its key was thrown away, so nothing can be signed with it.
export const TEST_CA = `-----BEGIN CERTIFICATE-----
MIIBmzCCAUGgAwIBAgIUIEH7VqjoSBIZ7ERkSQ3R6X5FrS0wCgYIKoZIzj0EAwIw
IjEgMB4GA1UEAwwXYm9zaC1pcm9uaWMtY3BpIHRlc3QgQ0EwIBcNMjYxMjA2MDYz
OTUzWhgPMjEyNjExMTIwNjM5NTNaMCIxIDAeBgNVBAMMF2Jvc2gtaXJvbmljLWNw
aSB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6w1UePEnVVdYFngS
3hA695PKA7+CgC++Kfn5SwGMWk0tt2VMe+xHurWx+6e7BkMy/aqY42dJWeLj5a/h
4vlIlKNTMFEwHQYDVR0OBBYEFHQY8hoUPgkoo+KdR4wWcFuVv9S8MB8GA1UdIwQY
MBaAFHQY8hoUPgkoo+KdR4wWcFuVv9S8MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZI
zj0EAwIDSAAwRQIgao8v+HBghKksNSMFDEw2KZgJBzUfl2CqMVWAhGppG/8CIQDB
g9UZWfOXOyMvwE+hTg+eiGcZjVxGiY2pyBewXjeGXQ==
-----END CERTIFICATE-----
`;
