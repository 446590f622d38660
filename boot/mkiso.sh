#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Assembles a slim GRUB2 ISO: mkiso.sh ISO ROOTDIR HYPERVISOR [MODULE ...]
# ROOTDIR already holds boot/grub/grub.cfg.
set -euo pipefail
iso=$1 root=$2 hv=$3
shift 3
mkdir -p "$root/boot"
cp "$hv" "$root/boot/hypervisor"
for m in "$@"; do cp "${m#*=}" "$root/boot/${m%%=*}"; done     # NAME=FILE
log=$(mktemp)
if ! grub-mkrescue -o "$iso.tmp" --install-modules="multiboot2 normal iso9660 biosdisk serial terminal" \
        --locales= --fonts= --themes= "$root" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log" "$iso.tmp"; exit 1
fi
rm -f "$log"
mv "$iso.tmp" "$iso"
