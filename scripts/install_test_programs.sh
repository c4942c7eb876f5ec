#!/usr/bin/env bash
# The programs tests open our outputs with, as people do: LibreOffice (workbooks and documents,
# also to save .xls/.ods fixtures), pdftotext/pdftoppm (what the PDF says), Chromium (the console,
# driven by Playwright). Debian packages; installed only when missing.
set -euo pipefail
need=()
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc libreoffice-writer)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi dejavu || need+=(fonts-dejavu-core)
((${#need[@]})) || exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "Thiếu chương trình cho kiểm thử / programs the tests need are missing: ${need[*]}" >&2
  echo "Cài bằng / install with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Cài chương trình cho kiểm thử / installing the tests' programs: ${need[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
