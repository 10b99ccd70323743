"""Loads every path of a list once (8 at a time), so a measured run starts with warm caches.

    python3 bench/warm.py http://127.0.0.1:18090 paths.txt
"""
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
    except Exception as error:  # a 404 or 400 in a list is the list's business, not warming's
        return error
    return None


def main(base, list_file):
    with open(list_file) as paths:
        urls = [base + line.strip() for line in paths if line.strip()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(fetch, urls))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
