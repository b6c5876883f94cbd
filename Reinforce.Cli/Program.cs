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
int exit = Cli.Run(args, Console.Out, Console.Error, interrupt.Token);
return exit == Cli.ExitInterrupted ? interruptedExit : exit;
