"""The expo kiosk: a playlist of slides (data), slide content builders, figures and QR codes.

Everything here is pure Python over the read-only data layer; `dashboard/pages/kiosk.py`
wires it into the page and `assets/kiosk.js` runs the timer in the browser.
"""
