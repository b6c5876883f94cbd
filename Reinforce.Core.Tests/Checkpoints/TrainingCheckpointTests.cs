using Reinforce.Checkpoints;
using Reinforce.NeuralNetworks;
using Reinforce.Returns;
using Reinforce.Training;

namespace Reinforce.Tests.Checkpoints;

/// <summary>Training checkpoints: what they hold, that they restore exactly, and that resuming changes nothing.</summary>
[TestFixture]
public sealed class TrainingCheckpointTests
{
    private string folder = "";

    // Small and quick: 4-16-2 tanh, 2 episodes per update, Adam (so moments and the step count matter).
    private static readonly TrainerOptions Options = new()
    {
        HiddenSizes = [16],
        HiddenActivation = Activation.Tanh,
        BatchEpisodes = 2,
        Normalization = Normalization.PerBatch,
        LearningRate = 1e-2,
        Seed = 7,
    };

    [SetUp]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("reinforce-checkpoint-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [Test]
    public void SaveThenLoad_RestoresWeightsMomentsStepCountAndProgress_BitForBit()
    {
        var trainer = new ReinforceTrainer(Options);
        for (int i = 0; i < 3; i++)
        {
            trainer.Update();
        }
        string path = Path.Combine(folder, "checkpoint.safetensors");
        TrainingCheckpoint.Capture(trainer, new Dictionary<string, string> { ["app.key"] = "value" }).Save(path);

        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        ReinforceTrainer restored = loaded.CreateTrainer();

        // Tolerance: exact (bits of every float; counters equal).
        Assert.That(Bits(restored.Policy.Parameters.Values), Is.EqualTo(Bits(trainer.Policy.Parameters.Values)));
        for (int b = 0; b < trainer.Optimizer.StateBuffers.Count; b++)
        {
            Assert.That(Bits(restored.Optimizer.StateBuffers[b].Buffer), Is.EqualTo(Bits(trainer.Optimizer.StateBuffers[b].Buffer)));
        }
        Assert.That(restored.Optimizer.StepCount, Is.EqualTo(3));
        Assert.That(restored.UpdatesCompleted, Is.EqualTo(trainer.UpdatesCompleted));
        Assert.That(restored.EpisodesCompleted, Is.EqualTo(trainer.EpisodesCompleted));
        Assert.That(restored.StepsCompleted, Is.EqualTo(trainer.StepsCompleted));
        Assert.That(BitConverter.DoubleToInt64Bits(restored.RunningReward), Is.EqualTo(BitConverter.DoubleToInt64Bits(trainer.RunningReward)));
        Assert.That(loaded.Extra["app.key"], Is.EqualTo("value"));
        Assert.That(TrainerOptionsJson.Serialize(loaded.Options), Is.EqualTo(TrainerOptionsJson.Serialize(Options)));
    }

    [Test]
    public void File_UsesPyTorchSequentialNames_AndPyTorchAdamStateNames()
    {
        var trainer = new ReinforceTrainer(Options);
        trainer.Update();

        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();

        // nn.Sequential(Linear(4, 16), Tanh(), Linear(16, 2)): indices 0 and 2; weights [out, in].
        Assert.That(file.Tensors.Select(t => $"{t.Name}{t.ShapeText}"), Is.EqualTo(new[]
        {
            "0.weight[16, 4]", "0.bias[16]", "2.weight[2, 16]", "2.bias[2]",
            "optimizer.exp_avg.0.weight[16, 4]", "optimizer.exp_avg.0.bias[16]", "optimizer.exp_avg.2.weight[2, 16]", "optimizer.exp_avg.2.bias[2]",
            "optimizer.exp_avg_sq.0.weight[16, 4]", "optimizer.exp_avg_sq.0.bias[16]", "optimizer.exp_avg_sq.2.weight[2, 16]", "optimizer.exp_avg_sq.2.bias[2]",
        }));
        Assert.That(file.Metadata["optimizer.step"], Is.EqualTo("1"));
        Assert.That(file.Metadata["progress.episodes"], Is.EqualTo("2"));
        Assert.That(file.Metadata["format"], Is.EqualTo(TrainingCheckpoint.Format));
    }

    [Test]
    public void ResumingFromACheckpoint_GivesTheSameWeightsAsAnUninterruptedRun()
    {
        // Expected: the uninterrupted run's own weights after 6 updates. Tolerance: bit-exact, because
        // episode k draws from Pcg64.Derive(seed, k) and the checkpoint restores every other piece of state.
        var uninterrupted = new ReinforceTrainer(Options);
        for (int i = 0; i < 6; i++)
        {
            uninterrupted.Update();
        }

        var first = new ReinforceTrainer(Options);
        for (int i = 0; i < 3; i++)
        {
            first.Update();
        }
        string path = Path.Combine(folder, "checkpoint.safetensors");
        TrainingCheckpoint.Capture(first).Save(path);
        ReinforceTrainer resumed = TrainingCheckpoint.Load(path).CreateTrainer();
        for (int i = 0; i < 3; i++)
        {
            resumed.Update();
        }

        Assert.That(Bits(resumed.Policy.Parameters.Values), Is.EqualTo(Bits(uninterrupted.Policy.Parameters.Values)));
        Assert.That(Bits(resumed.Optimizer.StateBuffers[1].Buffer), Is.EqualTo(Bits(uninterrupted.Optimizer.StateBuffers[1].Buffer)));
        Assert.That(resumed.EpisodesCompleted, Is.EqualTo(uninterrupted.EpisodesCompleted));
        Assert.That(resumed.RunningReward, Is.EqualTo(uninterrupted.RunningReward));
    }

    [Test]
    public void Load_Rejects_TensorShapesThatDoNotFitTheConfiguredNetwork()
    {
        var trainer = new ReinforceTrainer(Options);
        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();
        var metadata = file.Metadata.ToDictionary();
        metadata["trainer_options"] = TrainerOptionsJson.Serialize(Options with { HiddenSizes = [8] }, indented: false);
        string path = Path.Combine(folder, "wrong.safetensors");
        SafeTensors.Save(new SafeTensorsFile(file.Tensors, metadata), path);

        Assert.That(() => TrainingCheckpoint.Load(path), Throws.TypeOf<SafeTensorsFormatException>()
            .With.Message.Contains(path).And.Message.Contains("tensor '0.weight' has shape [16, 4]").And.Message.Contains("needs [8, 4]"));
    }

    [Test]
    public void Load_Rejects_AnUnexpectedTensor_AndAMissingOne()
    {
        var trainer = new ReinforceTrainer(Options);
        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();
        string extra = Path.Combine(folder, "extra.safetensors");
        SafeTensors.Save(new SafeTensorsFile([.. file.Tensors, new SafeTensor("4.weight", [1], [0f])], file.Metadata), extra);
        string missing = Path.Combine(folder, "missing.safetensors");
        SafeTensors.Save(new SafeTensorsFile(file.Tensors.Where(t => t.Name != "2.bias"), file.Metadata), missing);

        Assert.That(() => TrainingCheckpoint.Load(extra), Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("'4.weight'"));
        Assert.That(() => TrainingCheckpoint.Load(missing), Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("no tensor '2.bias'"));
    }

    [Test]
    public void Load_Rejects_ASafetensorsFileThatIsNotACheckpoint()
    {
        string path = Path.Combine(folder, "plain.safetensors");
        SafeTensors.Save(new SafeTensorsFile([new SafeTensor("0.weight", [1], [1f])]), path);

        Assert.That(() => TrainingCheckpoint.Load(path), Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("no 'format' metadata"));
    }

    private static IEnumerable<TestCaseData> InconsistentMetadata()
    {
        // After 3 updates of 2 episodes: updates 3, episodes 6, optimizer.step 3, rng.next_episode_stream 6.
        yield return new TestCaseData("optimizer.step", "4", "optimizer.step 4 but progress.updates 3");
        yield return new TestCaseData("rng.next_episode_stream", "7", "rng.next_episode_stream 7 but progress.episodes 6");
        yield return new TestCaseData("progress.episodes", "5", "rng.next_episode_stream 6 but progress.episodes 5");
        yield return new TestCaseData("progress.steps", "5", "steps in 6 episodes");
        yield return new TestCaseData("progress.steps", "3001", "steps in 6 episodes"); // > 6 × 500
        yield return new TestCaseData("progress.running_reward", "NaN", "running_reward that is not a finite number");
        yield return new TestCaseData("progress.updates", "-1", "progress.updates that is not an integer");
    }

    [TestCaseSource(nameof(InconsistentMetadata))]
    public void Load_Rejects_CountersThatNoRunCouldHaveLeft(string key, string value, string expected)
    {
        var trainer = new ReinforceTrainer(Options);
        for (int i = 0; i < 3; i++)
        {
            trainer.Update();
        }
        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();
        var metadata = file.Metadata.ToDictionary();
        metadata[key] = value;
        if (key == "progress.episodes")
        {
            metadata["progress.updates"] = "3"; // only the episode count is off: 5 is not 3 × 2
        }

        var ex = Assert.Throws<SafeTensorsFormatException>(() => TrainingCheckpoint.FromSafeTensors(new SafeTensorsFile(file.Tensors, metadata), "test"));

        Assert.That(ex!.Message, Does.Contain(expected));
    }

    [Test]
    public void Load_Rejects_ANegativeSecondMoment_AndANonFiniteMoment()
    {
        var trainer = new ReinforceTrainer(Options);
        trainer.Update();
        SafeTensorsFile file = TrainingCheckpoint.Capture(trainer).ToSafeTensors();
        SafeTensorsFile With(string name, float value) => new(file.Tensors.Select(t =>
            t.Name == name ? t with { Values = [value, .. t.Values[1..]] } : t), file.Metadata);

        Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("optimizer.exp_avg_sq.0.weight", -1e-12f), "test"),
            Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("negative value"));
        Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("optimizer.exp_avg.2.bias", float.PositiveInfinity), "test"),
            Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("not finite"));
        Assert.That(() => TrainingCheckpoint.FromSafeTensors(With("0.bias", float.NaN), "test"),
            Throws.TypeOf<SafeTensorsFormatException>().With.Message.Contains("not finite"));
    }

    [Test]
    public void TrainerOptionsJson_RoundTripsEveryOption()
    {
        // Every option away from its default, so a key that is not read back shows up as a difference.
        var options = new TrainerOptions
        {
            EnvironmentId = "CartPole-v0", Integrator = Reinforce.Environments.CartPoleIntegrator.SemiImplicitEuler, SuttonBartoReward = true,
            MaxEpisodeSteps = 321, HiddenSizes = [5, 6], HiddenActivation = Activation.LeakyReLU(0.2f), Dropout = 0.375, Head = "bernoulli",
            Initialization = WeightInitialization.Glorot, Optimizer = "sgd", LearningRate = 0.1234567890123, Gamma = 0.5,
            Returns = ReturnKind.EpisodeReturn, Normalization = Normalization.None, NormalizationEpsilon = 1e-5, Baseline = true,
            EntropyCoefficient = 0.25, LossReduction = Reinforce.Policies.LossReduction.Sum, BatchEpisodes = 3, BatchSteps = 99, MaxEpisodes = 1234,
            MaxUpdates = 56, StopWhenSolved = false, SolvedBy = SolvedCriterion.MeanOfLast100, RunningRewardWeight = 0.3, RunningRewardStart = -4, Seed = ulong.MaxValue, Threads = 2,
        };

        string json = TrainerOptionsJson.Serialize(options);
        TrainerOptions read = TrainerOptionsJson.Deserialize(json, requireAll: true);

        Assert.That(TrainerOptionsJson.Serialize(read), Is.EqualTo(json));
        Assert.That(read.HiddenActivation, Is.EqualTo(Activation.LeakyReLU(0.2f)));
        Assert.That(read.LearningRate, Is.EqualTo(0.1234567890123));
        Assert.That(read.Seed, Is.EqualTo(ulong.MaxValue));
        Assert.That(read.RunningRewardStart, Is.EqualTo(-4));
    }

    /// <summary>The default running reward start (none: the first episode's return) is written as null and read back as null; a string is refused.</summary>
    [Test]
    public void RunningRewardStart_Null_RoundTrips_AndAStringIsRefused()
    {
        string json = TrainerOptionsJson.Serialize(new TrainerOptions(), indented: false);

        Assert.That(json, Does.Contain("\"runningRewardStart\":null"));
        Assert.That(TrainerOptionsJson.Deserialize(json, requireAll: true).RunningRewardStart, Is.Null);
        Assert.That(() => TrainerOptionsJson.Deserialize(json.Replace("\"runningRewardStart\":null", "\"runningRewardStart\":\"first\"", StringComparison.Ordinal)),
            Throws.TypeOf<FormatException>().With.Message.Contains("runningRewardStart"));
    }

    /// <summary>
    /// A version 1 checkpoint, written before the dropout option existed, has no "dropout" key in its trainer_options:
    /// read with the keys that version may lack (as TrainingCheckpoint reads it) it loads, as no dropout; every other
    /// key is still required, and a version 2 file must have it.
    /// </summary>
    [Test]
    public void TrainerOptionsWithoutTheDropoutKey_ReadAsNoDropout_InAVersion1Checkpoint()
    {
        string json = TrainerOptionsJson.Serialize(Options, indented: false).Replace("\"dropout\":0,", "", StringComparison.Ordinal);
        Assert.That(json, Does.Not.Contain("dropout"));
        Assert.That(TrainerOptionsJson.Deserialize(json, requireAll: true, mayBeMissing: TrainerOptionsJson.KeysSinceVersion2).Dropout, Is.Zero);
        Assert.That(TrainerOptionsJson.Deserialize(json, new TrainerOptions { Dropout = 0.5 }).Dropout, Is.EqualTo(0.5), "a config file keeps the defaults it starts from");
        Assert.That(() => TrainerOptionsJson.Deserialize(json, requireAll: true), Throws.TypeOf<FormatException>().With.Message.Contains("missing key 'dropout'"));
        Assert.That(() => TrainerOptionsJson.Deserialize(json.Replace("\"gamma\":0.99,", "", StringComparison.Ordinal), requireAll: true, mayBeMissing: TrainerOptionsJson.KeysSinceVersion2),
            Throws.TypeOf<FormatException>().With.Message.Contains("missing key 'gamma'"));
    }

    /// <summary>
    /// A network with dropout is saved under the names of nn.Sequential(Linear, Dropout, act, Linear) — 0.* and 3.* —
    /// with its dropout in the options, and resuming from it gives the uninterrupted run bit for bit (the masks are
    /// drawn from the episode streams, so the seed and the episode counter are still the whole generator state).
    /// </summary>
    [Test]
    public void DropoutNetwork_IsSavedUnderSequentialNamesWithItsDropoutModule_AndResumesBitForBit()
    {
        TrainerOptions options = Options with { Dropout = 0.6 };
        var uninterrupted = new ReinforceTrainer(options);
        var first = new ReinforceTrainer(options);
        for (int i = 0; i < 4; i++)
        {
            uninterrupted.Update();
        }
        first.Update();
        first.Update();
        string path = Path.Combine(folder, "checkpoint.safetensors");
        TrainingCheckpoint.Capture(first).Save(path);
        TrainingCheckpoint loaded = TrainingCheckpoint.Load(path);
        ReinforceTrainer resumed = loaded.CreateTrainer();
        resumed.Update();
        resumed.Update();

        Assert.Multiple(() =>
        {
            Assert.That(loaded.Parameters.Select(t => $"{t.Name}{t.ShapeText}"), Is.EqualTo(new[] { "0.weight[16, 4]", "0.bias[16]", "3.weight[2, 16]", "3.bias[2]" }));
            Assert.That(loaded.Options.Dropout, Is.EqualTo(0.6));
            Assert.That(TrainingCheckpoint.Architecture(loaded.Options), Is.EqualTo("4-16-2 tanh, dropout 0.6, categorical"));
            Assert.That(Bits(resumed.Policy.Parameters.Values), Is.EqualTo(Bits(uninterrupted.Policy.Parameters.Values)));
        });
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();
}
