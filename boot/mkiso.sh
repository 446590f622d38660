#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Assembles a slim GRUB2 ISO: mkiso.sh ISO ROOTDIR HYPERVISOR|- [NAME=FILE ...]
# ROOTDIR already holds boot/grub/grub.cfg; each FILE is copied to /boot/NAME, and the
# hypervisor to /boot/hypervisor unless it is "-" (a Linux kernel booted natively).
set -euo pipefail
iso=$1 root=$2 hv=$3
shift 3
mkdir -p "$root/boot"
[[ $hv == - ]] || cp "$hv" "$root/boot/hypervisor"
for m in "$@"; do cp "${m#*=}" "$root/boot/${m%%=*}"; done     # NAME=FILE
log=$(mktemp)
grub_modules="multiboot2 linux normal iso9660 biosdisk serial terminal"
if ! grub-mkrescue -o "$iso.tmp" --install-modules="$grub_modules" --locales= --fonts= --themes= \
        "$root" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log" "$iso.tmp"; exit 1
fi
rm -f "$log"
mv "$iso.tmp" "$iso"
