using System.Globalization;
using System.Security;
using System.Text;

namespace Reinforce.Cli;

/// <summary>A small SVG writer: invariant-culture numbers, escaped text, one white background.</summary>
internal sealed class SvgBuilder
{
    public const string Font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif\"";

    private readonly StringBuilder text = new();

    public SvgBuilder(double width, double height, string title)
    {
        Line($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(width)}\" height=\"{N(height)}\" viewBox=\"0 0 {N(width)} {N(height)}\" {Font} font-size=\"13\">");
        Line($"<title>{Escape(title)}</title>");
        Line($"<rect width=\"{N(width)}\" height=\"{N(height)}\" fill=\"#ffffff\"/>");
    }

    public SvgBuilder Line(string element)
    {
        text.Append(element).Append('\n');
        return this;
    }

    public void Text(double x, double y, string content, string attributes = "") =>
        Line($"<text x=\"{N(x)}\" y=\"{N(y)}\" {attributes}>{Escape(content)}</text>");

    public string Finish() => text.Append("</svg>\n").ToString();

    public static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);

    public static string Escape(string value) => SecurityElement.Escape(value) ?? "";

    /// <summary>Round tick values covering [min, max]: steps of 1, 2, 2.5 or 5 × 10ᵏ, about <paramref name="count"/> of them.</summary>
    public static (double Min, double Max, double Step) NiceScale(double min, double max, int count = 5)
    {
        if (!(max > min))
        {
            max = min + 1;
        }
        double rough = (max - min) / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        return (Math.Floor(min / step) * step, Math.Ceiling(max / step) * step, step);
    }

    /// <summary>
    /// The width of <paramref name="text"/> in a sans-serif font of <paramref name="fontSize"/> pixels, estimated from the
    /// advance widths of DejaVu Sans (the widest common fallback; Helvetica and Arial are narrower), so text fitted
    /// with it fits in every viewer.
    /// </summary>
    public static double TextWidth(string text, double fontSize, bool bold = false)
    {
        double em = 0;
        foreach (char c in text)
        {
            em += c switch
            {
                'i' or 'j' or 'l' or '.' or ',' or ':' or ';' or '\'' or '|' or '!' or '·' => 0.3,
                'f' or 't' or 'r' or ' ' or '(' or ')' or '[' or ']' or '-' or '/' or 'I' => 0.42,
                'm' or 'w' or 'M' or 'W' or '%' or '@' => 0.98,
                >= 'A' and <= 'Z' => 0.74,
                '×' or '→' or '≥' or '≤' or '>' or '<' or '=' or '+' or '±' or '—' or '…' => 0.84,
                _ => 0.64,
            };
        }
        return em * fontSize * (bold ? 1.1 : 1);
    }

    /// <summary>
    /// <paramref name="text"/>, shortened in the middle with an ellipsis when it is wider than <paramref name="maxWidth"/>:
    /// the most characters (half from the start, half from the end) that fit beside the ellipsis.
    /// </summary>
    /// <remarks>
    /// Keeping one more character adds it to the head or the tail and never removes one, so the width grows with the
    /// number kept: a binary search finds the most that fit in O(n log n) whatever the length of the text.
    /// </remarks>
    public static string Fit(string text, double maxWidth, double fontSize, bool bold = false)
    {
        if (TextWidth(text, fontSize, bold) <= maxWidth)
        {
            return text;
        }
        static string Shortened(string text, int keep)
        {
            int head = (keep + 1) / 2, tail = keep - head;
            return text[..head] + "…" + text[^tail..];
        }
        // The largest keep in [2, length − 1] whose shortened text fits, if any.
        int low = 2, high = text.Length - 1, best = -1;
        while (low <= high)
        {
            int keep = low + (high - low) / 2;
            if (TextWidth(Shortened(text, keep), fontSize, bold) <= maxWidth)
            {
                best = keep;
                low = keep + 1;
            }
            else
            {
                high = keep - 1;
            }
        }
        return best > 0 ? Shortened(text, best) : "…";
    }

    public static string Tick(double value) => Math.Abs(value) >= 10000
        ? value.ToString("#,0", CultureInfo.InvariantCulture)
        : value.ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>A plot area with linear axes, ticks, grid and labels.</summary>
internal sealed class PlotArea(SvgBuilder svg, double left, double top, double width, double height,
    (double Min, double Max, double Step) x, (double Min, double Max, double Step) y)
{
    public double X(double value) => left + (value - x.Min) / (x.Max - x.Min) * width;

    public double Y(double value) => top + height - (value - y.Min) / (y.Max - y.Min) * height;

    public double Left => left;

    public double Top => top;

    public double Width => width;

    public double Height => height;

    public void DrawAxes(string xLabel, string yLabel, Func<double, string>? yTick = null)
    {
        for (double v = y.Min; v <= y.Max + y.Step * 1e-6; v += y.Step)
        {
            double py = Y(v);
            svg.Line($"<line x1=\"{SvgBuilder.N(left)}\" y1=\"{SvgBuilder.N(py)}\" x2=\"{SvgBuilder.N(left + width)}\" y2=\"{SvgBuilder.N(py)}\" stroke=\"#e5e7eb\"/>");
            svg.Text(left - 8, py + 4, (yTick ?? SvgBuilder.Tick)(v), "text-anchor=\"end\" fill=\"#4b5563\"");
        }
        for (double v = x.Min; v <= x.Max + x.Step * 1e-6; v += x.Step)
        {
            double px = X(v);
            svg.Line($"<line x1=\"{SvgBuilder.N(px)}\" y1=\"{SvgBuilder.N(top)}\" x2=\"{SvgBuilder.N(px)}\" y2=\"{SvgBuilder.N(top + height)}\" stroke=\"#f1f2f4\"/>");
            svg.Line($"<line x1=\"{SvgBuilder.N(px)}\" y1=\"{SvgBuilder.N(top + height)}\" x2=\"{SvgBuilder.N(px)}\" y2=\"{SvgBuilder.N(top + height + 5)}\" stroke=\"#374151\"/>");
            svg.Text(px, top + height + 19, SvgBuilder.Tick(v), "text-anchor=\"middle\" fill=\"#4b5563\"");
        }
        svg.Line($"<rect x=\"{SvgBuilder.N(left)}\" y=\"{SvgBuilder.N(top)}\" width=\"{SvgBuilder.N(width)}\" height=\"{SvgBuilder.N(height)}\" fill=\"none\" stroke=\"#374151\"/>");
        svg.Text(left + width / 2, top + height + 40, xLabel, "text-anchor=\"middle\" fill=\"#111827\"");
        svg.Text(left - 48, top + height / 2, yLabel, $"text-anchor=\"middle\" fill=\"#111827\" transform=\"rotate(-90 {SvgBuilder.N(left - 48)} {SvgBuilder.N(top + height / 2)})\"");
    }

    /// <summary>A polyline through the points (already in data coordinates).</summary>
    public string Polyline(IEnumerable<(double X, double Y)> points, string attributes)
    {
        var text = new StringBuilder("<polyline fill=\"none\" points=\"");
        foreach (var (px, py) in points)
        {
            text.Append(SvgBuilder.N(X(px))).Append(',').Append(SvgBuilder.N(Y(py))).Append(' ');
        }
        return text.Append("\" ").Append(attributes).Append("/>").ToString();
    }
}
