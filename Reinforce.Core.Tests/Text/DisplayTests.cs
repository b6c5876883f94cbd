using Reinforce.Text;

namespace Reinforce.Tests.Text;

/// <summary>Values quoted for one-line messages: expected strings written by hand from the rules in Display's documentation.</summary>
[TestFixture]
public sealed class DisplayTests
{
    [TestCase("runs/x", "'runs/x'")]
    [TestCase("", "''")]
    [TestCase("a\nb", @"'a\nb'")]
    [TestCase("tab\there", @"'tab\there'")]
    [TestCase("\r", @"'\r'")]
    [TestCase("nul\0", @"'nul\0'")]
    [TestCase("\u001b[31mred", @"'\u{1b}[31mred'")]
    [TestCase("del\u007f", @"'del\u{7f}'")]
    [TestCase("abc\u202Edef", @"'abc\u{202e}def'")] // right-to-left override: would reorder the rest of the line
    [TestCase("zero\u200Bwidth", @"'zero\u{200b}width'")]
    [TestCase("line\u2028sep", @"'line\u{2028}sep'")]
    [TestCase("café ✓ 😀", "'café ✓ 😀'")] // printable text, including a surrogate pair, stays as it is
    public void Quote_EscapesControlAndInvisibleCharacters(string value, string expected)
    {
        Assert.That(Display.Quote(value), Is.EqualTo(expected));
    }

    [Test]
    public void Quote_EscapesALoneSurrogate()
    {
        // Built at run time: a test-case attribute cannot hold invalid UTF-16.
        Assert.That(Display.Quote("lone" + (char)0xD800), Is.EqualTo(@"'lone\u{d800}'"));
    }

    [Test]
    public void Quote_ShortensLongValues_AndSaysHowLongTheyWere()
    {
        string quoted = Display.Quote(new string('a', 100_000));

        Assert.That(quoted, Is.EqualTo($"'{new string('a', Display.DefaultMaxLength)}…' (100000 characters)"));
    }

    [Test]
    public void Quote_NeverCutsAnEscapeOrASurrogatePairInHalf()
    {
        // 79 letters, then an escape of 2 characters that does not fit in 80: it is left out whole.
        Assert.That(Display.Quote(new string('a', 79) + "\nb"), Is.EqualTo($"'{new string('a', 79)}…' (81 characters)"));
        Assert.That(Display.Quote(new string('a', 79) + "😀b"), Is.EqualTo($"'{new string('a', 79)}…' (82 characters)"));
    }

    [Test]
    public void MessageOf_DropsTheParameterSuffixAndTheFinalPeriod()
    {
        var e = new ArgumentException("Threads = 0 is not accepted; expected an integer in [1, 1024].", "Threads");

        Assert.That(Display.MessageOf(e), Is.EqualTo("Threads = 0 is not accepted; expected an integer in [1, 1024]"));
    }
}
