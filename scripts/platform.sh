# SPDX-License-Identifier: MIT
# shellcheck shell=bash disable=SC2034 # (sets platform and why for the script that sources it)
# Sourced by scripts/run and scripts/bench: which platform can run Vireo with VT-x here.

# Sets platform and why: KVM only where it can run a VMX hypervisor (nested VMX).
choose_platform() {
    local nested=""
    if [[ -r /sys/module/kvm_intel/parameters/nested ]]; then
        nested=$(</sys/module/kvm_intel/parameters/nested)
    fi
    if [[ ! -e /dev/kvm ]]; then
        platform=bochs why="/dev/kvm is missing"
    elif ! grep -qw vmx /proc/cpuinfo; then
        platform=bochs why="/proc/cpuinfo has no vmx flag"
    elif [[ $nested != Y && $nested != 1 ]]; then
        platform=bochs why="kvm_intel does not offer nested VMX"
    else
        platform=kvm why="/dev/kvm offers nested VMX"
    fi
}
