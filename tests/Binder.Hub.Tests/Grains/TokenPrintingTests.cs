using Binder.Hub.Events;
using Binder.Hub.Grains;

namespace Binder.Hub.Tests.Grains;

public sealed class TokenPrintingTests
{
    [Fact]
    public void AReadyEventPrintsItsFieldsButNotItsToken()
    {
        var token = SessionIds.NewToken();
        var printed = new BinderEvent { Phase = BinderPhases.Ready, Message = "ready", Url = "http://x/user/s/", Token = token, StatusCode = 200 }.ToString();

        Assert.DoesNotContain(token, printed, StringComparison.Ordinal);
        Assert.Contains("Token = ***", printed, StringComparison.Ordinal);
        Assert.Contains("Url = http://x/user/s/", printed, StringComparison.Ordinal);
        Assert.Contains("StatusCode = 200", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void ASessionStatePrintsItsFieldsButNotItsToken()
    {
        var token = SessionIds.NewToken();
        var printed = new SessionState { State = SessionStates.Running, Token = token, ContainerId = "c1" }.ToString();

        Assert.DoesNotContain(token, printed, StringComparison.Ordinal);
        Assert.Contains("ContainerId = c1", printed, StringComparison.Ordinal);
    }
}
