"""The sandbox PBX: an external system that speaks the While1 Voice, VoipCenter, Telphin
and generic JSON dialects on loopback, so pbxportal runs end-to-end with no vendor
account. Run it with ``python -m sandbox``; see docs/sandbox.md.

It imports nothing from the product on purpose: it checks every request the way the
real vendor would, with code written from the vendor documents, so an adapter bug
cannot hide behind shared code.
"""

__version__ = "0.1.0"
