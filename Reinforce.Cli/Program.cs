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
    AfterUpdate = PauseAfterUpdate(),
    InterruptedExitCode = () => interruptedExit,
};
int exit = Cli.Run(args, context);
return exit == Cli.ExitInterrupted ? interruptedExit : exit;

// The test hook of the kill tests (Reinforce.Core.Tests/Cli/KillTests.cs), which signal a child process at a chosen
// point: with REINFORCE_TEST_PAUSE_AFTER_UPDATE=N, train ends update N as usual (rows, progress line, a due checkpoint),
// writes "paused after update N" on stderr and waits until the file REINFORCE_TEST_CONTINUE_FILE names exists (when it
// is set) or a signal interrupts the run. Unset (always, outside those tests): no hook.
Action<long>? PauseAfterUpdate()
{
    if (!long.TryParse(Environment.GetEnvironmentVariable("REINFORCE_TEST_PAUSE_AFTER_UPDATE"), out long pauseAfter))
    {
        return null;
    }
    string? continueFile = Environment.GetEnvironmentVariable("REINFORCE_TEST_CONTINUE_FILE");
    return update =>
    {
        if (update != pauseAfter)
        {
            return;
        }
        Console.Error.WriteLine($"paused after update {update}");
        Console.Error.Flush();
        // Checked every 10 ms: how often changes only how soon the run goes on, never where it stopped.
        while (!interrupt.IsCancellationRequested && (continueFile is null || !File.Exists(continueFile)))
        {
            interrupt.Token.WaitHandle.WaitOne(10);
        }
    };
}
