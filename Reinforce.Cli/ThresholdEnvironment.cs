using Reinforce.Environments;

namespace Reinforce.Cli;

/// <summary>An environment with another reward threshold ("solved" level) than its own; everything else is forwarded.</summary>
internal sealed class ThresholdEnvironment(IEnvironment inner, double rewardThreshold) : IEnvironment
{
    public string Id => inner.Id;

    public int ObservationSize => inner.ObservationSize;

    public int ActionCount => inner.ActionCount;

    public int? MaxEpisodeSteps => inner.MaxEpisodeSteps;

    public double? RewardThreshold => rewardThreshold;

    public void Reset(Span<float> observation, long? seed = null) => inner.Reset(observation, seed);

    public StepResult Step(int action, Span<float> observation) => inner.Step(action, observation);
}
