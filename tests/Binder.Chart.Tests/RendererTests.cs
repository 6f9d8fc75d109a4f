namespace Binder.Chart.Tests;

/// <summary>
/// tools/chart-render does what helm does for the subset of helm the chart keeps to, and nothing beyond it: a chart
/// that needs a cluster (lookup) or helm's other objects fails here instead of passing untested.
/// </summary>
public sealed class RendererTests(ChartRenderer renderer)
{
    [Fact]
    public async Task Set_values_are_typed_as_helm_types_them()
    {
        using var chart = TinyChart("""
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: typed}
            data:
              number: {{ kindOf .Values.n | quote }}
              large: {{ .Values.large | quote }}
              flag: {{ kindOf .Values.flag | quote }}
              text: {{ kindOf .Values.text | quote }}
              forced: {{ kindOf .Values.forced | quote }}
              list: {{ .Values.list | join "+" | quote }}
              dotted: {{ index .Values "a.b" | quote }}
              indexed: {{ (index .Values.items 1).name | quote }}
              gone: {{ hasKey .Values "removed" | quote }}
            """, "removed: here\nitems: [{name: zero}]\n");
        var rendering = await renderer.RenderChartAsync(chart.Path, "--set", "n=3,large=2000000000,flag=true,text=abc,list={x,y},a\\.b=dot,items[1].name=one,removed=null", "--set-string", "forced=7");
        Assert.True(rendering.Succeeded, rendering.Error);
        var data = rendering.Objects.Single().Object["data"]!;
        // Helm reads values through JSON: every number is a float64, and a large one prints in exponent form.
        Assert.Equal("float64", data["number"]!.GetValue<string>());
        Assert.Equal("2e+09", data["large"]!.GetValue<string>());
        Assert.Equal("bool", data["flag"]!.GetValue<string>());
        Assert.Equal("string", data["text"]!.GetValue<string>());
        Assert.Equal("string", data["forced"]!.GetValue<string>());
        Assert.Equal("x+y", data["list"]!.GetValue<string>());
        Assert.Equal("dot", data["dotted"]!.GetValue<string>());
        Assert.Equal("one", data["indexed"]!.GetValue<string>());
        Assert.Equal("false", data["gone"]!.GetValue<string>());
    }

    [Fact]
    public async Task Include_tpl_toYaml_and_the_release_and_chart_objects_work_as_in_helm()
    {
        using var chart = TinyChart("""
            {{- define "tiny.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ include "tiny.name" . }}
              namespace: {{ .Release.Namespace }}
              labels:
                {{- toYaml .Values.labels | nindent 4 }}
            data:
              templated: {{ tpl .Values.greeting . | quote }}
              version: {{ .Chart.AppVersion | quote }}
              template: {{ .Template.Name | quote }}
            """, "labels: {b: two, a: one}\ngreeting: 'hello {{ .Release.Name }}'\n");
        var rendering = await renderer.RenderChartAsync(chart.Path, "--name", "rel", "--namespace", "ns");
        Assert.True(rendering.Succeeded, rendering.Error);
        var map = rendering.Objects.Single().Object;
        Assert.Equal("rel-tiny", map["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("ns", map["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("one", map["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Equal("hello rel", map["data"]!["templated"]!.GetValue<string>());
        Assert.Equal("9.9.9", map["data"]!["version"]!.GetValue<string>());
        Assert.Equal("tiny/templates/object.yaml", map["data"]!["template"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{{ lookup \"v1\" \"Secret\" \"ns\" \"name\" }}", "function \"lookup\" not defined")]
    [InlineData("{{ env \"HOME\" }}", "function \"env\" not defined")]
    [InlineData("kind: {{ .Capabilities.KubeVersion.Version }}", "nil pointer evaluating")]
    public async Task What_the_chart_may_not_use_fails_the_render(string template, string error)
    {
        using var chart = TinyChart(template, "");
        var rendering = await renderer.RenderChartAsync(chart.Path);
        Assert.Equal(1, rendering.Result.ExitCode);
        Assert.Contains(error, rendering.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_that_is_not_YAML_is_an_error_naming_the_template()
    {
        using var chart = TinyChart("kind: ConfigMap\n  bad: [indent\n", "");
        var rendering = await renderer.RenderChartAsync(chart.Path);
        Assert.Equal(1, rendering.Result.ExitCode);
        Assert.StartsWith("Error: YAML parse error on tiny/templates/object.yaml:", rendering.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_command_line_is_a_usage_error()
    {
        var result = await ProcessRun.RunAsync(renderer.Executable, ["--sett", "a=b", Repository.Chart]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("unknown flag --sett", result.Stderr, StringComparison.Ordinal);
    }

    private static TempDirectory TinyChart(string template, string values)
    {
        var dir = new TempDirectory("binder-tiny-chart");
        dir.Write("Chart.yaml", "apiVersion: v2\nname: tiny\nversion: 1.0.0\nappVersion: 9.9.9\n");
        dir.Write("values.yaml", values);
        dir.Write("templates/object.yaml", template);
        return dir;
    }
}
