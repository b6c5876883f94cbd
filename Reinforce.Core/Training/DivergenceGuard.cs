using Reinforce.NeuralNetworks;
using Reinforce.Numerics;
using Reinforce.Optimizers;
using Reinforce.Policies;

namespace Reinforce.Training;

/// <summary>
/// Keeps a diverging update from touching the run: the loss and every gradient tensor must be finite before the step,
/// and the weights and the optimizer's state after it. The step itself can overflow (a finite gradient times a huge
/// learning rate), so the guard copies the weights and the optimizer's state before it and puts them back when it did.
/// </summary>
internal sealed class DivergenceGuard(ParameterBuffer parameters, Optimizer optimizer)
{
    private readonly float[] parametersBefore = new float[parameters.Length];
    private readonly float[][] stateBefore = [.. optimizer.StateBuffers.Select(b => new float[b.Buffer.Length])];
    private long stepCountBefore;

    /// <summary>The tensor that is not finite before the step (<c>loss</c>, <c>gradient of 0.weight</c>, …), or null.</summary>
    public string? CheckBeforeStep(PolicyLoss loss) =>
        !double.IsFinite(loss.Loss) ? "loss"
        : FirstNonFinite(parameters.Gradients) is ParameterTensor gradient ? $"gradient of {gradient.Name}"
        : null;

    /// <summary>Copies the weights and the optimizer's state (values and step count) that the step is about to change.</summary>
    public void BeforeStep()
    {
        IReadOnlyList<(string Name, float[] Buffer)> state = optimizer.StateBuffers;
        parameters.Values.CopyTo(parametersBefore, 0);
        for (int b = 0; b < state.Count; b++)
        {
            state[b].Buffer.CopyTo(stateBefore[b], 0);
        }
        stepCountBefore = optimizer.StepCount;
    }

    /// <summary>
    /// After the step: the tensor it made non-finite (<c>0.weight after the step</c>, <c>optimizer.v.0.weight after the
    /// step</c>), with the weights and the optimizer's state put back as they were; or null, and nothing changes.
    /// </summary>
    public string? UndoStepIfOverflowed()
    {
        IReadOnlyList<(string Name, float[] Buffer)> state = optimizer.StateBuffers;
        string? overflowed = FirstNonFinite(parameters.Values)?.Name;
        for (int b = 0; overflowed is null && b < state.Count; b++)
        {
            if (FirstNonFinite(state[b].Buffer) is ParameterTensor bad)
            {
                overflowed = $"optimizer.{state[b].Name}.{bad.Name}";
            }
        }
        if (overflowed is null)
        {
            return null;
        }
        parametersBefore.CopyTo(parameters.Values, 0);
        for (int b = 0; b < state.Count; b++)
        {
            stateBefore[b].CopyTo(state[b].Buffer, 0);
        }
        optimizer.StepCount = stepCountBefore;
        return $"{overflowed} after the step";
    }

    // The first tensor of the layout whose slice of `values` holds a NaN or an infinity, or null.
    private ParameterTensor? FirstNonFinite(float[] values)
    {
        IReadOnlyList<ParameterTensor> tensors = parameters.Tensors;
        for (int i = 0; i < tensors.Count; i++) // an index loop: foreach over the interface would allocate an enumerator
        {
            if (!SimdKernels.AllFinite(ParameterBuffer.View(values, tensors[i])))
            {
                return tensors[i];
            }
        }
        return null;
    }
}
