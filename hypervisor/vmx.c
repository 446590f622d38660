/* SPDX-License-Identifier: MIT */
/* Vireo: VMX detection, capabilities and VMXON on each CPU (SDM Vol. 3C 24.7, App. A). */
#include "cpu.h"
#include "memory.h"
#include "pmm.h"
#include "printf.h"
#include "vmx.h"
#include "x86.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_XSAVE (1u << 26)
#define XCR0_X87_SSE_AVX 7u
#define FC_LOCKED (1ull << 0)
#define FC_VMX_OUTSIDE_SMX (1ull << 2)
#define BASIC_REVISION_MASK 0x7fffffffull
#define BASIC_TRUE_CTLS (1ull << 55)
#define PIN_PREEMPTION_TIMER (1u << 6)
#define PIN_POSTED_INTR (1u << 7)
#define PROC_SECONDARY (1u << 31)
#define PROC2_APIC_ACCESS (1u << 0)
#define PROC2_EPT (1u << 1)
#define PROC2_X2APIC_VIRT (1u << 4)
#define PROC2_VPID (1u << 5)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_APIC_REG_VIRT (1u << 8)
#define PROC2_VIRT_INTR (1u << 9)
#define EPT_CAP_2M (1ull << 16)
#define EPT_CAP_1G (1ull << 17)
#define EPT_CAP_AD (1ull << 21)
#define MISC_PREEMPTION_SHIFT_MASK 0x1f

struct vmx_caps vmx_caps;

static void read_caps(void)
{
    uint64_t basic = rdmsr(MSR_VMX_BASIC);
    struct vmx_caps *c = &vmx_caps;
    c->revision = (uint32_t)(basic & BASIC_REVISION_MASK);
    c->true_ctls = basic & BASIC_TRUE_CTLS;
    unsigned t = c->true_ctls ? MSR_VMX_TRUE_PINBASED_CTLS - MSR_VMX_PINBASED_CTLS : 0;
    c->pin_ctls = rdmsr(MSR_VMX_PINBASED_CTLS + t);
    c->proc_ctls = rdmsr(MSR_VMX_PROCBASED_CTLS + t);
    c->exit_ctls = rdmsr(MSR_VMX_EXIT_CTLS + t);
    c->entry_ctls = rdmsr(MSR_VMX_ENTRY_CTLS + t);
    /* Appendix A.3: the high half of a control MSR lists the controls that may be 1. */
    uint32_t pin = (uint32_t)(c->pin_ctls >> 32), proc = (uint32_t)(c->proc_ctls >> 32);
    c->proc2_ctls = proc & PROC_SECONDARY ? rdmsr(MSR_VMX_PROCBASED_CTLS2) : 0;
    uint32_t proc2 = (uint32_t)(c->proc2_ctls >> 32);
    c->cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
    c->cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
    c->cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
    c->cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
    c->preemption_timer = pin & PIN_PREEMPTION_TIMER;
    c->posted_intr = pin & PIN_POSTED_INTR;
    c->preemption_shift = (unsigned)(rdmsr(MSR_VMX_MISC) & MISC_PREEMPTION_SHIFT_MASK);
    c->apic_access = proc2 & PROC2_APIC_ACCESS;
    c->ept = proc2 & PROC2_EPT;
    c->x2apic_virt = proc2 & PROC2_X2APIC_VIRT;
    c->vpid = proc2 & PROC2_VPID;
    c->unrestricted = proc2 & PROC2_UNRESTRICTED;
    c->apic_reg_virt = proc2 & PROC2_APIC_REG_VIRT;
    c->virt_intr_delivery = proc2 & PROC2_VIRT_INTR;
    uint64_t ept = c->ept ? rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
    c->ept_2m = ept & EPT_CAP_2M;
    c->ept_1g = ept & EPT_CAP_1G;
    c->ept_ad = ept & EPT_CAP_AD;
    if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
        c->xcr0 = cpuid(0xd, 0).eax & XCR0_X87_SSE_AVX;
}

/* SDM 24.8 / A.7-A.8: CR0 and CR4 must respect the fixed bits in VMX operation. */
static void apply_fixed_bits(void)
{
    write_cr0((read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1));
    write_cr4((read_cr4() | CR4_VMXE | CR4_OSFXSR | (vmx_caps.xcr0 ? CR4_OSXSAVE : 0) |
               rdmsr(MSR_VMX_CR4_FIXED0)) & rdmsr(MSR_VMX_CR4_FIXED1));
}

static const char *check_feature_control(void)
{
    uint64_t fc = rdmsr(MSR_FEATURE_CONTROL);
    if (!(fc & FC_LOCKED)) {
        wrmsr(MSR_FEATURE_CONTROL, fc | FC_VMX_OUTSIDE_SMX | FC_LOCKED);
        return NULL;
    }
    return fc & FC_VMX_OUTSIDE_SMX ? NULL : "disabled by firmware (IA32_FEATURE_CONTROL)";
}

const char *vmx_enable_cpu(void)
{
    if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX))
        return "the CPU does not offer VT-x (CPUID.1:ECX.VMX = 0); guests will be refused";
    const char *why = check_feature_control();
    if (why)
        return why;
    read_caps();
    uint64_t region = page_alloc_zeroed(0);
    if (!region)
        return "out of memory for the VMXON region";
    *(uint32_t *)phys_to_virt(region) = vmx_caps.revision;
    apply_fixed_bits();
    uint64_t rflags;
    __asm__ volatile("vmxon %1; pushfq; popq %0" : "=r"(rflags) : "m"(region) : "cc", "memory");
    if (rflags & (RFLAGS_CF | RFLAGS_ZF)) {
        write_cr4(read_cr4() & ~CR4_VMXE);
        page_free(region, 0);
        return "VMXON failed";
    }
    this_cpu()->vmxon_pa = region;
    this_cpu()->vmx_on = true;
    return NULL;
}

void vmx_print_caps(void)
{
    const struct vmx_caps *c = &vmx_caps;
    kprintf("vmx: revision 0x%x; EPT %s%s%s%s; VPID %s; unrestricted guest %s; "
            "APIC-access %s; x2APIC virt %s; APIC-register virt %s; virtual-interrupt "
            "delivery %s; posted interrupts %s; preemption timer %s (TSC/2^%u)\n",
            c->revision, c->ept ? "yes" : "no", c->ept_2m ? ", 2M" : "",
            c->ept_1g ? ", 1G" : "", c->ept_ad ? ", A/D" : "", c->vpid ? "yes" : "no",
            c->unrestricted ? "yes" : "no", c->apic_access ? "yes" : "no",
            c->x2apic_virt ? "yes" : "no", c->apic_reg_virt ? "yes" : "no",
            c->virt_intr_delivery ? "yes" : "no", c->posted_intr ? "yes" : "no",
            c->preemption_timer ? "yes" : "no", c->preemption_shift);
}
