using System.Runtime.InteropServices;
using Reinforce.Cli;

// Ctrl-C (SIGINT) and SIGTERM ask the running command to finish its step, write its checkpoint and exit
// (130 for Ctrl-C, 143 for SIGTERM, the shell's 128 + signal); a second signal ends the process at once.
using var interrupt = new CancellationTokenSource();
int interruptedExit = Cli.ExitInterrupted;
void Interrupt(PosixSignalContext signal)
{
    if (interrupt.IsCancellationRequested)
    {
        return; // the default action: the process ends now
    }
    signal.Cancel = true;
    interruptedExit = signal.Signal == PosixSignal.SIGTERM ? 143 : Cli.ExitInterrupted;
    interrupt.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
Console.OutputEncoding = System.Text.Encoding.UTF8;
if (HardwareCheck.FmaWarning(args) is string warning)
{
    Console.Error.WriteLine(warning);
}
CliContext context = Cli.Context(Console.Out, Console.Error, interrupt.Token) with
{
    AfterUpdate = PauseAt("REINFORCE_TEST_PAUSE_AFTER_UPDATE", "paused after update"),
    AfterSweepRun = PauseAt("REINFORCE_TEST_PAUSE_AFTER_SWEEP_RUN", "paused after sweep run") is { } afterRun ? k => afterRun(k) : null,
    BeforeSweepRunRename = PauseAt("REINFORCE_TEST_PAUSE_WRITING_SWEEP_RUN", "paused writing sweep run") is { } writing ? k => writing(k) : null,
    InterruptedExitCode = () => interruptedExit,
};
int exit = Cli.Run(args, context);
return exit == Cli.ExitInterrupted ? interruptedExit : exit;

// The test hooks of the kill tests (Reinforce.Core.Tests/Cli/KillTests.cs, SweepKillTests.cs), which signal a child
// process at a chosen point. With REINFORCE_TEST_PAUSE_AFTER_UPDATE=N, train ends update N as usual (rows, progress line,
// a due checkpoint), writes "paused after update N" on stderr and waits; with REINFORCE_TEST_PAUSE_AFTER_SWEEP_RUN=N, a
// sweep has recorded its N-th finished run (its file in finished-runs/) and writes "paused after sweep run N"; with
// REINFORCE_TEST_PAUSE_WRITING_SWEEP_RUN=N, a sweep has written its N-th run's file to its temporary name, not yet renamed,
// and writes "paused writing sweep run N". Each waits until the file REINFORCE_TEST_CONTINUE_FILE names exists (when it
// is set) or a signal interrupts the command. Unset (always, outside those tests): no hook.
Action<long>? PauseAt(string variable, string message)
{
    if (!long.TryParse(Environment.GetEnvironmentVariable(variable), out long pauseAt))
    {
        return null;
    }
    string? continueFile = Environment.GetEnvironmentVariable("REINFORCE_TEST_CONTINUE_FILE");
    return point =>
    {
        if (point != pauseAt)
        {
            return;
        }
        Console.Error.WriteLine($"{message} {point}");
        Console.Error.Flush();
        // Checked every 10 ms: how often changes only how soon the run goes on, never where it stopped.
        while (!interrupt.IsCancellationRequested && (continueFile is null || !File.Exists(continueFile)))
        {
            interrupt.Token.WaitHandle.WaitOne(10);
        }
    };
}
