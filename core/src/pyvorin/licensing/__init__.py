"""Licensing: signed licence keys, the activation client, the lease cache and the gate.

* :mod:`.tokens` - the compact signed formats (licence keys and leases), Ed25519.
* :mod:`.trust` - which issuer public keys this installation trusts, and which of them are
  production issuers (shipped with the distribution or root-owned ``/etc/pyvorin/issuers``)
  rather than development issuers (added by the user).
* :mod:`.state` - the 0600 lease file under ``PYVORIN_HOME/licence/``.
* :mod:`.client` - the HTTP client of the licence server (httpx, timeouts, retries).
* :mod:`.dev` - ``pyvorin licence dev``: a development licence without a server.
* :mod:`.gate` - the built-in plugin implementing ``pyvorin_licence_gate``.

No bypass exists: a compile is allowed only with a lease signed by a trusted issuer key,
bound to this machine, and confirmed by the server (or within the offline grace period; a
development licence without a server until it expires). Only a production issuer's
licence builds a release; every manifest records which kind built it.
"""
