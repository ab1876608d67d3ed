/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vmm-ref --reboot: a guest reset starts the VM again from scratch.
 *
 * A VM cannot be restarted inside the process that ran it: the main thread's seccomp
 * filter (sandbox.h) is in place before any guest instruction runs and allows neither
 * opening files nor creating the KVM objects a new VM needs. So with --reboot the process
 * vmm-ref starts as stays unsandboxed and small: it forks one child per run of the VM,
 * and the child does exactly what vmm-ref does without --reboot (vmm_machine_run()).
 *
 * The supervisor:
 *   - forks again when the child exits with VMM_EXIT_RESET, at most
 *     VMM_REBOOT_MAX_RESTARTS times in any VMM_REBOOT_WINDOW_SEC seconds (a guest that
 *     resets as soon as it starts would otherwise spin for ever); past that it prints one
 *     line and returns VMM_EXIT_RESET;
 *   - forwards SIGTERM, SIGINT and SIGHUP to the child (which stops the VM cleanly and
 *     exits 0) and starts no new run after one of them;
 *   - returns the child's exit status otherwise; a child killed by a signal gives one
 *     line naming the signal and VMM_EXIT_RUNTIME, and the terminal is put back the way
 *     it was (the child could not restore its raw mode).
 * The child sets PR_SET_PDEATHSIG (SIGKILL), so it never outlives the supervisor, and
 * keeps SIGTERM, SIGINT and SIGHUP blocked from the fork on, so that one arriving while
 * it sets the VM up waits for its signalfd instead of killing it half made.
 *
 * With --console file:PATH, the first run creates (truncates) the file as usual and
 * later runs append to it, so the file holds every boot.
 *
 * Not thread-safe: it changes the process's signal mask and forks; call it from main().
 */
#ifndef VMM_SUPERVISOR_H
#define VMM_SUPERVISOR_H

#include "cli.h"

#define VMM_REBOOT_MAX_RESTARTS 10u
#define VMM_REBOOT_WINDOW_SEC 60u

/*
 * Runs the VM cfg describes in a child process, again after each guest reset, as above.
 * Returns the process exit status for vmm-ref (machine.h's VMM_EXIT_*). Prints one line
 * on stderr for a failure of its own (fork, a killed child, too many resets) and, at
 * cfg->log_level info, one line per restart.
 */
int vmm_supervise(const struct vmm_config *cfg);

#endif
