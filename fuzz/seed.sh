#!/usr/bin/env bash
# Fills fuzz/corpus/{xml,json}/ with seeds built from the shared corpora (read in place, never
# committed): each seed is an option header (see tests/harness/{xml,json}.rs) followed by one
# small real document, the headers cycling through selectors, flags and chunkings. Re-running
# replaces the seeds it wrote and keeps whatever libFuzzer added.
#
#   fuzz/seed.sh [path/to/shared/corpora]      (default: ../shared/corpora beside the project)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
corpora="${1:-$here/../../shared/corpora}"
if [ ! -d "$corpora" ]; then
  echo "no corpora at $corpora" >&2
  exit 1
fi
max_bytes=16384

mkdir -p "$here/corpus/xml" "$here/corpus/json"
rm -f "$here"/corpus/xml/seed-* "$here"/corpus/json/seed-*

# Prints the bytes given as decimal numbers.
bytes() {
  local b
  for b in "$@"; do
    # shellcheck disable=SC2059
    printf "\\$(printf '%03o' "$((b & 255))")"
  done
}

n=0
# seed <target> <file> <header bytes...>
seed() {
  local target="$1" file="$2"
  shift 2
  { bytes "$@"; cat "$file"; } > "$here/corpus/$target/seed-$(printf '%05d' "$n")"
  n=$((n + 1))
}

small() {
  find "$@" -type f -size -"$((max_bytes + 1))"c 2>/dev/null | LC_ALL=C sort
}

# XML header: selector, flags, limits, chunk mode, seed, seed. Limits stay at their defaults
# for three seeds in four so that most seeds parse far; the fuzzer explores the rest.
xml_seed() {
  local file="$1" i="$n" limits=0
  if [ $((i % 4)) -eq 3 ]; then limits=$(((i * 53) & 255)); fi
  seed xml "$file" $((i % 16)) $(((i * 37) & 255)) "$limits" $((i % 16)) $((i * 7)) $((i / 3))
}

while IFS= read -r f; do xml_seed "$f"; done < <(small "$corpora/ddex" -name '*.xml')
while IFS= read -r f; do xml_seed "$f"; done < <(small "$corpora/xml-real" -name '*.*' ! -name '*.md' ! -name '*.tsv')
while IFS= read -r f; do xml_seed "$f"; done < <(small "$corpora/fxp/assets" \( -name '*.xml' -o -name '*.svg' \))
# The conformance suite has ~3,000 documents; every fourth keeps the corpus quick to load.
k=0
while IFS= read -r f; do
  if [ $((k % 4)) -eq 0 ]; then xml_seed "$f"; fi
  k=$((k + 1))
done < <(small "$corpora/xmlconf" -name '*.xml')
xml_count=$n

# JSON header: selector, format and flags, limits, chunk mode, seed.
json_seed() {
  local file="$1" format="$2" i="$n" limits=0
  if [ $((i % 4)) -eq 3 ]; then limits=$(((i * 53) & 255)); fi
  seed json "$file" $((i % 16)) $((format | ((i * 4) & 12))) "$limits" $((i & 255)) $((i * 7))
}

while IFS= read -r f; do
  # Mostly a single document selected whole, which the check compares with serde_json.
  json_seed "$f" $(( (n % 3 == 2) ? 1 : 0 ))
done < <(small "$corpora/jsontestsuite" -name '*.json')
while IFS= read -r f; do json_seed "$f" 0; done < <(small "$corpora/json-real" "$corpora/fxp/assets" -name '*.json')
while IFS= read -r f; do
  json_seed <(head -n 12 "$f") 2
done < <(find "$corpora/json-real" -name '*.ndjson' | LC_ALL=C sort)

echo "seeded $xml_count xml and $((n - xml_count)) json inputs into $here/corpus"
