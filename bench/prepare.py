#!/usr/bin/env python3
"""Prepares the benchmark's inputs against a running server, with the standard library only:
deep category pages (followed through their keyset "next" links), and signed-in sessions for
the order-history, cart and account pages (the heavy customer, three lines in the cart), and
the cart-add benchmark: 256 visitors, each with a session and a cart of their own, as a shop
sees many shoppers each adding a few items (one cart taking every add would grow to
thousands of lines, which no shopper has).

    bench/prepare.py BASE_URL OUT_DIR HEAVY_EMAIL PASSWORD
"""
import html
import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

base, out, heavy, password = sys.argv[1:5]


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def fetch(client, path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with client.open(base + path, body, timeout=30) as response:
        return response.read().decode("utf-8", "replace")


def sign_in(email):
    client, jar = opener()
    page = fetch(client, "/account/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fetch(client, "/account/login", {"email": email, "password": password, "csrf_token": token})
    # Tokens are bound to the session, which signing in renews: read the new one from a page.
    page = fetch(client, "/cart")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    return client, cookie, token


# Deep category pages: follow each category's "next" link up to 20 times.
client, _ = opener()
deep = []
for line in open(f"{out}/categories"):
    path = line.strip()
    for _ in range(20):
        page = fetch(client, path)
        found = re.search(r'href="([^"]*after=[^"]*)"[^>]*rel="next"|rel="next"[^>]*href="([^"]*after=[^"]*)"', page)
        if not found:
            break
        path = html.unescape(found.group(1) or found.group(2))
    if "after=" in path:
        deep.append(path)
open(f"{out}/deep_categories", "w").write("\n".join(deep or ["/"]) + "\n")

client, cookie, token = sign_in(heavy)
# Three lines in the heavy customer's cart, for the signed-in cart page.
for variant in [line.strip() for line in open(f"{out}/variants")][:3]:
    fetch(client, "/cart/add", {"variant_id": variant, "quantity": "1", "csrf_token": token})
open(f"{out}/heavy_cookie", "w").write(cookie)
# Visitors who have already put one item in their cart: the first add made their session, and
# the cart page it led to carries the token bound to it.
product = open(f"{out}/products").readline().strip()
first_variant = open(f"{out}/variants").readline().strip()
with open(f"{out}/visitors", "w") as visitors:
    for _ in range(256):
        client, jar = opener()
        page = fetch(client, product)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        page = fetch(client, "/cart/add", {"variant_id": first_variant, "quantity": "1", "csrf_token": token})
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
        visitors.write(f"{cookie}\t{token}\n")
print(f"{len(deep)} deep category pages; a session for {heavy}; 256 visitors")
