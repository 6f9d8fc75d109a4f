using System.Net;
using System.Text.RegularExpressions;
using static Binder.Chart.Tests.Support.RenderedChart;

namespace Binder.Chart.Tests.Support;

/// <summary>
/// The project's own rules for every rendering of helm/binder, beyond the Kubernetes schemas. Each rule returns its
/// violations as sentences naming the object; none means the rule holds.
/// </summary>
internal static partial class ChartRules
{
    public static IEnumerable<string> All(RenderedChart chart) =>
        ResourceLimits(chart).Concat(NonRootSecurityContexts(chart)).Concat(SiloMountsDockerSocket(chart))
            .Concat(SessionNetworkPolicy(chart)).Concat(BinderPortsOnlyFromBinder(chart)).Concat(OrleansRbac(chart))
            .Concat(HealthProbes(chart)).Concat(FrontEndDisruptionBudget(chart)).Concat(EnvironmentVariables(chart))
            .Concat(References(chart)).Concat(SessionImagePullSecret(chart)).Concat(Names(chart)).Concat(DockerSessionsApart(chart))
            .Concat(NoDockerApiOnTheNetwork(chart)).Concat(FrontEndsHoldNoSiloPowers(chart))
            .Concat(ImageCleanerActsBeforeEviction(chart));

    /// <summary>
    /// Sessions as containers (Launch:Backend=Docker) share a network identity with Binder, which no NetworkPolicy
    /// separates: never on the rootless daemon in the silo's pod (they would leave from the silo pod's address), and
    /// only with TLS between silos (they reach the silos' ports from the node's address).
    /// </summary>
    public static IEnumerable<string> DockerSessionsApart(RenderedChart chart)
    {
        var silo = chart.Single("DaemonSet", "silo");
        var container = Container(silo, "silo");
        if (EnvValue(container, "BINDER_Launch__Backend") != "Docker") yield break;
        if (EnvValue(container, "BINDER_Silo__Tls__CertificateFile") is null)
            yield return $"{silo}: Docker sessions without TLS between silos (Silo:Tls:CertificateFile).";
        if (Containers(silo).Any(c => Name(c["name"]) == "dind"))
            yield return $"{silo}: Docker sessions on the rootless daemon in the silo's pod leave from the pod's own address.";
    }

    /// <summary>
    /// Front ends, which face the internet, hold nothing only the silos need: no Kubernetes API token (their pod does
    /// not mount one, and no Role is bound to their account), not the proxy's API token, not the registry's
    /// credentials (as variables or as a mounted Secret).
    /// </summary>
    public static IEnumerable<string> FrontEndsHoldNoSiloPowers(RenderedChart chart)
    {
        var frontend = chart.Single("Deployment", "frontend");
        var pod = PodSpec(frontend);
        var account = Name(pod["serviceAccountName"]);
        var silo = chart.Single("DaemonSet", "silo");
        if (account.Length == 0 || account == Name(PodSpec(silo)["serviceAccountName"]))
            yield return $"{frontend}: the front ends run under the silos' service account (or the namespace's default).";
        var accountObject = chart.OfKind("ServiceAccount").FirstOrDefault(a => a.Name == account);
        if (pod["automountServiceAccountToken"]?.GetValue<bool>() != false && accountObject?.Object["automountServiceAccountToken"]?.GetValue<bool>() != false)
            yield return $"{frontend}: the front ends' pods mount a Kubernetes API token (automountServiceAccountToken is not false).";
        if (chart.OfKind("RoleBinding").Concat(chart.OfKind("ClusterRoleBinding")).Any(b => b.Object["subjects"]?.AsArray().Any(s => Name(s!["kind"]) == "ServiceAccount" && Name(s["name"]) == account) == true))
            yield return $"{frontend}: a role is bound to the front ends' service account {account}.";
        var container = Container(frontend, "frontend");
        foreach (var (name, _) in Env(container).Where(e => e.Name == "BINDER_Proxy__AuthToken" || e.Name.StartsWith("BINDER_Binder__RegistryAccess__", StringComparison.Ordinal) || e.Name == "DOCKER_CONFIG"))
            yield return $"{frontend}: the front end gets {name}, which only the silos need.";
        var registrySecrets = chart.OfKind("Secret").Where(s => Name(s.Object["type"]) == "kubernetes.io/dockerconfigjson").Select(s => s.Name).ToHashSet();
        // An existing Secret of the registry's is not among the chart's objects: the one the silos mount as Docker config.
        registrySecrets.UnionWith((PodSpec(silo)["volumes"]?.AsArray() ?? []).Where(v => Name(v!["name"]) == "docker-config").Select(v => Name(v!["secret"]?["secretName"])));
        foreach (var volume in pod["volumes"]?.AsArray() ?? [])
        {
            if (volume?["secret"]?["secretName"] is { } secret && registrySecrets.Contains(Name(secret)))
                yield return $"{frontend}: the front end mounts the registry's Secret {Name(secret)}.";
        }
    }

    /// <summary>
    /// The Docker daemon's data in an emptyDir of the silo's pod, measured by the image cleaner as a percentage of the
    /// node's file system: no ephemeral-storage limit in the pod and no sizeLimit on that emptyDir, or the kubelet
    /// evicts the pod (and its whole layer cache) before the cleaner acts.
    /// </summary>
    public static IEnumerable<string> ImageCleanerActsBeforeEviction(RenderedChart chart)
    {
        var silo = chart.Single("DaemonSet", "silo");
        var dataVolume = (PodSpec(silo)["volumes"]?.AsArray() ?? []).FirstOrDefault(v => Name(v!["name"]) == "docker-data");
        if (dataVolume?["emptyDir"] is not { } emptyDir) yield break;
        if (emptyDir["sizeLimit"] is not null)
            yield return $"{silo}: the daemon's emptyDir has a sizeLimit, which the kubelet enforces by evicting the pod before the image cleaner acts.";
        foreach (var container in Containers(silo).Where(c => c["resources"]?["limits"]?["ephemeral-storage"] is not null))
            yield return $"{silo}: container {Name(container["name"])} has an ephemeral-storage limit, which counts the daemon's emptyDir: the kubelet evicts the pod before the image cleaner acts.";
    }

    /// <summary>
    /// No container serves the Docker API on the network: no Docker port (2375, 2376) declared, no tcp:// daemon host
    /// in arguments or variables, and no Docker-in-Docker image started with arguments that begin with an option (its
    /// entrypoint then prepends its defaults, --host=tcp://0.0.0.0:2375 among them, without TLS when
    /// DOCKER_TLS_CERTDIR is empty).
    /// </summary>
    public static IEnumerable<string> NoDockerApiOnTheNetwork(RenderedChart chart)
    {
        foreach (var workload in chart.Workloads)
        foreach (var container in Containers(workload))
        {
            var name = Name(container["name"]);
            foreach (var port in container["ports"]?.AsArray() ?? [])
            {
                if (port!["containerPort"]?.GetValue<int>() is 2375 or 2376)
                    yield return $"{workload}: container {name} declares the Docker API's port {port["containerPort"]}.";
            }
            var args = (container["command"]?.AsArray() ?? []).Concat(container["args"]?.AsArray() ?? []).Select(Name).ToList();
            foreach (var arg in args.Where(a => a.Contains("tcp://", StringComparison.Ordinal)))
                yield return $"{workload}: container {name} has the argument {arg}: a Docker API on the network.";
            foreach (var (variable, entry) in Env(container).Where(e => e.Entry["value"]?.GetValue<string>()?.StartsWith("tcp://", StringComparison.Ordinal) == true && e.Name.EndsWith("HOST", StringComparison.Ordinal)))
                yield return $"{workload}: container {name} sets {variable} to a tcp:// Docker host.";
            var dind = Name(container["image"]).Contains("dind", StringComparison.Ordinal);
            if (dind && container["command"] is null && (args.Count == 0 || args[0].StartsWith('-')))
                yield return $"{workload}: container {name} starts the Docker-in-Docker entrypoint with no arguments or an option first, so it adds --host=tcp://0.0.0.0:2375; give `dockerd` as the first argument.";
        }
    }

    /// <summary>Names Kubernetes accepts: at most 63 characters, lower-case DNS labels for Services (their DNS names).</summary>
    public static IEnumerable<string> Names(RenderedChart chart)
    {
        foreach (var o in chart.Objects)
        {
            if (o.Name.Length is 0 or > 63) yield return $"{o}: the name is empty or longer than 63 characters.";
            else if (!DnsLabel().IsMatch(o.Name)) yield return $"{o}: the name is not a DNS label (lower-case letters, digits, '-').";
        }
    }

    /// <summary>Every container has CPU and memory requests and limits.</summary>
    public static IEnumerable<string> ResourceLimits(RenderedChart chart)
    {
        foreach (var workload in chart.Workloads)
        foreach (var container in Containers(workload))
        foreach (var part in new[] { "requests", "limits" })
        foreach (var resource in new[] { "cpu", "memory" })
        {
            if (container["resources"]?[part]?[resource] is null)
                yield return $"{workload}: container {Name(container["name"])} has no {part}.{resource}.";
        }
    }

    /// <summary>
    /// Every container runs as a non-root user (runAsNonRoot and a non-zero runAsUser, its own or the pod's); every one
    /// but the rootless Docker daemon beside a silo also without privilege escalation and with every capability dropped.
    /// </summary>
    public static IEnumerable<string> NonRootSecurityContexts(RenderedChart chart)
    {
        foreach (var workload in chart.Workloads)
        {
            var pod = PodSpec(workload)["securityContext"];
            foreach (var container in Containers(workload))
            {
                var name = Name(container["name"]);
                var own = container["securityContext"];
                if ((own?["runAsNonRoot"] ?? pod?["runAsNonRoot"])?.GetValue<bool>() != true)
                    yield return $"{workload}: container {name} does not set runAsNonRoot: true.";
                var uid = (own?["runAsUser"] ?? pod?["runAsUser"]) is { } set ? long.Parse(set.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture) : (long?)null;
                if (uid is null or 0)
                    yield return $"{workload}: container {name} runs as {(uid is null ? "the image's user (no runAsUser)" : "root (runAsUser 0)")}.";
                var rootlessDocker = name == "dind" && workload.Label("app.kubernetes.io/component") == "silo";
                if (own?["privileged"]?.GetValue<bool>() == true && !rootlessDocker)
                    yield return $"{workload}: container {name} is privileged.";
                if (rootlessDocker) continue;
                if (own?["allowPrivilegeEscalation"]?.GetValue<bool>() != false)
                    yield return $"{workload}: container {name} does not set allowPrivilegeEscalation: false.";
                if (own?["capabilities"]?["drop"]?.AsArray().Any(c => Name(c) == "ALL") != true)
                    yield return $"{workload}: container {name} does not drop ALL capabilities.";
            }
        }
    }

    /// <summary>
    /// The silo reaches a Docker daemon through a mounted socket: DOCKER_HOST (and Binder:Docker:Host) name a unix socket
    /// inside a mount that is the node's socket (hostPath of type Socket) or a directory it shares with the rootless
    /// daemon that listens there.
    /// </summary>
    public static IEnumerable<string> SiloMountsDockerSocket(RenderedChart chart)
    {
        var silo = chart.Single("DaemonSet", "silo");
        var container = Container(silo, "silo");
        var host = EnvValue(container, "DOCKER_HOST");
        if (host is null || !host.StartsWith("unix://", StringComparison.Ordinal))
        {
            yield return $"{silo}: the silo's DOCKER_HOST '{host}' is not a unix socket.";
            yield break;
        }
        if (EnvValue(container, "BINDER_Binder__Docker__Host") != host)
            yield return $"{silo}: BINDER_Binder__Docker__Host differs from DOCKER_HOST {host}.";
        var socket = host["unix://".Length..];
        var mount = (container["volumeMounts"]?.AsArray() ?? []).Select(m => m!.AsObject())
            .FirstOrDefault(m => Name(m["mountPath"]) is var p && (p == socket || socket.StartsWith(p.TrimEnd('/') + "/", StringComparison.Ordinal)));
        if (mount is null)
        {
            yield return $"{silo}: no volume is mounted at the Docker socket {socket} or a directory holding it.";
            yield break;
        }
        var volume = (PodSpec(silo)["volumes"]?.AsArray() ?? []).Select(v => v!.AsObject()).FirstOrDefault(v => Name(v["name"]) == Name(mount["name"]));
        if (volume?["hostPath"] is { } hostPath)
        {
            // The directory, not the socket file: a file mount keeps the old socket's inode after dockerd restarts.
            if (Name(mount["mountPath"]) != Path.GetDirectoryName(socket) || Name(hostPath["type"]) != "Directory")
                yield return $"{silo}: the host's Docker socket must come from its directory, mounted as a hostPath of type Directory at {Path.GetDirectoryName(socket)}.";
        }
        else if (volume?["emptyDir"] is not null)
        {
            var daemon = Containers(silo).FirstOrDefault(c => Name(c["name"]) == "dind");
            var sharesIt = daemon?["volumeMounts"]?.AsArray().Any(m => Name(m!["name"]) == Name(mount["name"]) && Name(m["mountPath"]) == Name(mount["mountPath"])) == true;
            var listens = daemon?["args"]?.AsArray().Any(a => Name(a) == $"--host={host}") == true;
            if (!sharesIt || !listens)
                yield return $"{silo}: the socket directory {Name(mount["mountPath"])} is an emptyDir, but no Docker daemon container shares it and listens on {host}.";
        }
        else
        {
            yield return $"{silo}: the Docker socket's volume {Name(mount["name"])} is neither the node's socket nor shared with a daemon container.";
        }
    }

    /// <summary>
    /// With sessions as pods, a NetworkPolicy selects the session pods by the label the launch backend gives them
    /// (binder.org/instance = Launch:Kubernetes:InstanceName), limits both directions, lets in only the proxy and the
    /// silos, and lets out to no Binder pod.
    /// </summary>
    public static IEnumerable<string> SessionNetworkPolicy(RenderedChart chart)
    {
        var silo = Container(chart.Single("DaemonSet", "silo"), "silo");
        if (EnvValue(silo, "BINDER_Launch__Backend") != "Kubernetes") yield break;
        var instance = EnvValue(silo, "BINDER_Launch__Kubernetes__InstanceName");
        var policy = chart.OfKind("NetworkPolicy").FirstOrDefault(p => p.Object["spec"]?["podSelector"]?["matchLabels"]?["binder.org/instance"]?.GetValue<string>() == instance);
        if (instance is null || policy is null)
        {
            yield return $"No NetworkPolicy selects the session pods (binder.org/instance: {instance}).";
            yield break;
        }
        var types = policy.Object["spec"]?["policyTypes"]?.AsArray().Select(Name).ToHashSet() ?? [];
        if (!types.SetEquals(["Ingress", "Egress"]))
            yield return $"{policy}: policyTypes must be Ingress and Egress, not [{string.Join(", ", types)}].";
        foreach (var peer in Peers(policy, "ingress", "from"))
        {
            if (PeerComponents(chart, peer).Except(["proxy", "silo"]).Any() || !PeerComponents(chart, peer).Any())
                yield return $"{policy}: lets in {peer.ToJsonString()}, which is not the proxy's or a silo's pods.";
        }
        foreach (var peer in Peers(policy, "ingress", "from").Where(p => p["ipBlock"] is not null))
            yield return $"{policy}: lets in the addresses {peer.ToJsonString()}, which may be anyone's.";
        foreach (var peer in Peers(policy, "egress", "to"))
        {
            if (PeerComponents(chart, peer).Any())
                yield return $"{policy}: lets sessions reach Binder's own pods ({string.Join(", ", PeerComponents(chart, peer))}).";
            if (peer["ipBlock"] is { } block)
            {
                var cidr = IPNetwork.Parse(Name(block["cidr"]));
                var except = (block["except"]?.AsArray() ?? []).Select(e => IPNetwork.Parse(Name(e))).ToList();
                foreach (var range in PrivateRanges.Select(IPNetwork.Parse).Where(r => Overlaps(cidr, r) && !except.Any(e => Covers(e, r))))
                    yield return $"{policy}: lets sessions reach {range} (through {cidr}), where the cluster's pods, nodes or metadata service are.";
            }
        }
        // A rule with no peers lets out to every address: only DNS may be open that way.
        foreach (var rule in policy.Object["spec"]?["egress"]?.AsArray() ?? [])
        {
            if (rule!["to"] is JsonArray { Count: > 0 }) continue;
            var ports = rule["ports"]?.AsArray().Select(p => p!["port"]?.ToString()).ToList();
            if (ports is null || ports.Count == 0 || ports.Any(p => p != "53"))
                yield return $"{policy}: an egress rule without peers lets sessions reach every address on {(ports is null || ports.Count == 0 ? "every port" : "ports " + string.Join(", ", ports))}, not only DNS (53).";
        }
        if (!(policy.Object["spec"]?["egress"]?.AsArray() ?? []).Any(rule => rule!["to"] is null
            && new[] { "UDP", "TCP" }.All(protocol => rule["ports"]?.AsArray().Any(p => p!["port"]?.ToString() == "53" && Name(p["protocol"]) == protocol) == true)))
            yield return $"{policy}: sessions may not reach DNS (port 53, UDP and TCP) at every address (a NodeLocal DNSCache listens on a link-local one).";
        foreach (var workload in chart.Workloads.Where(w => PodLabels(w)["binder.org/instance"] is not null))
            yield return $"{workload}: Binder's own pods carry the session label binder.org/instance.";
    }

    /// <summary>
    /// Redis, the proxy's API and the silos' cluster and gateway ports take connections only from Binder's pods: a
    /// NetworkPolicy selects each, and the only peers allowed on those ports are silos and front ends.
    /// </summary>
    public static IEnumerable<string> BinderPortsOnlyFromBinder(RenderedChart chart)
    {
        var siloContainer = Container(chart.Single("DaemonSet", "silo"), "silo");
        var siloPorts = new[] { "BINDER_Silo__Port", "BINDER_Silo__GatewayPort" }.Select(v => int.Parse(EnvValue(siloContainer, v) ?? "0", System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (component, port) in new[] { ("redis", 6379), ("proxy", 8001) }.Concat(siloPorts.Select(p => ("silo", p))))
        {
            var workload = chart.Workloads.FirstOrDefault(w => w.Label("app.kubernetes.io/component") == component);
            if (workload is null) continue;
            var policies = chart.OfKind("NetworkPolicy").Where(p => Selects(p.Object["spec"]?["podSelector"]?["matchLabels"]?.AsObject(), PodLabels(workload))).ToList();
            if (policies.Count == 0) yield return $"{workload}: no NetworkPolicy protects it.";
            foreach (var policy in policies)
            foreach (var rule in policy.Object["spec"]?["ingress"]?.AsArray() ?? [])
            {
                var ports = rule!["ports"]?.AsArray().Select(p => p!["port"]?.GetValue<int>()).ToList();
                if (ports is not null && !ports.Contains(port)) continue;
                var from = rule["from"]?.AsArray().Select(p => p!.AsObject()).ToList();
                if (from is null || from.Count == 0)
                {
                    yield return $"{policy}: lets anyone reach port {port} of {component}.";
                    continue;
                }
                foreach (var peer in from.Where(p => PeerComponents(chart, p).Except(["silo", "frontend"]).Any() || !PeerComponents(chart, p).Any()))
                    yield return $"{policy}: lets {peer.ToJsonString()} reach port {port} of {component}.";
            }
        }
    }

    /// <summary>
    /// Microsoft.Orleans.Hosting.Kubernetes gets what it calls: the silos' service account is bound to a Role that may
    /// get, list and watch pods (and create and delete them when sessions are pods), and the silo pods carry the labels
    /// and variables it reads.
    /// </summary>
    public static IEnumerable<string> OrleansRbac(RenderedChart chart)
    {
        var silo = chart.Single("DaemonSet", "silo");
        var container = Container(silo, "silo");
        var account = Name(PodSpec(silo)["serviceAccountName"]);
        if (account.Length == 0) yield return $"{silo}: no serviceAccountName (the namespace's default account has no role).";
        // Orleans' Kubernetes hosting deletes pods only with DeleteDefunctSiloPods (off, and not set by the chart);
        // session pods are created and deleted by the launch backend.
        var needed = new HashSet<string> { "get", "list", "watch" };
        if (EnvValue(container, "BINDER_Launch__Backend") == "Kubernetes") needed.UnionWith(["create", "delete"]);
        var roles = chart.OfKind("RoleBinding")
            .Where(b => b.Object["subjects"]?.AsArray().Any(s => Name(s!["kind"]) == "ServiceAccount" && Name(s["name"]) == account) == true)
            .Select(b => chart.OfKind(Name(b.Object["roleRef"]?["kind"])).FirstOrDefault(r => r.Name == Name(b.Object["roleRef"]?["name"])))
            .OfType<RenderedObject>().ToList();
        var granted = roles.SelectMany(r => r.Object["rules"]?.AsArray() ?? [])
            .Where(rule => rule!["apiGroups"]?.AsArray().Any(g => Name(g) == "") == true && rule["resources"]?.AsArray().Any(r => Name(r) == "pods") == true)
            .SelectMany(rule => rule!["verbs"]!.AsArray().Select(Name)).ToHashSet();
        var missing = needed.Except(granted).Order().ToList();
        if (missing.Count > 0)
            yield return $"{silo}: its service account '{account}' may not {string.Join(", ", missing)} pods (no Role bound to it grants that).";
        if (EnvValue(container, "BINDER_Silo__Kubernetes__Enabled") != "true") yield break;
        var labels = PodLabels(silo);
        foreach (var (label, variable) in new[] { ("orleans/serviceId", "ORLEANS_SERVICE_ID"), ("orleans/clusterId", "ORLEANS_CLUSTER_ID") })
        {
            if (labels[label]?.GetValue<string>() is not { } value || value != EnvValue(container, variable))
                yield return $"{silo}: the pod label {label} must equal {variable} (Orleans finds the silos' pods by it).";
        }
        foreach (var (variable, field) in new[] { ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP") })
        {
            if (!Env(container).Any(e => e.Name == variable && Name(e.Entry["valueFrom"]?["fieldRef"]?["fieldPath"]) == field))
                yield return $"{silo}: {variable} must come from the pod's {field}.";
        }
    }

    /// <summary>
    /// Silos are ready (and started) by their /health; front ends by /health/ready, which leaves out the registry (a
    /// slow registry would empty the front ends' Service).
    /// </summary>
    public static IEnumerable<string> HealthProbes(RenderedChart chart)
    {
        foreach (var (kind, component) in new[] { ("DaemonSet", "silo"), ("Deployment", "frontend") })
        {
            var workload = chart.Single(kind, component);
            var container = Container(workload, component);
            var ports = container["ports"]?.AsArray().Select(p => Name(p!["name"])).ToHashSet() ?? [];
            var path = component == "frontend" ? "/health/ready" : "/health";
            foreach (var probe in new[] { "readinessProbe", "startupProbe" })
            {
                var get = container[probe]?["httpGet"];
                if (Name(get?["path"]) != path || !ports.Contains(get?["port"]?.ToString() ?? ""))
                    yield return $"{workload}: the {probe} is not an HTTP GET of {path} on a port of the container.";
            }
            if (container["livenessProbe"] is null) yield return $"{workload}: no livenessProbe.";
        }
    }

    /// <summary>More than one front end: a PodDisruptionBudget selects them.</summary>
    public static IEnumerable<string> FrontEndDisruptionBudget(RenderedChart chart)
    {
        var frontend = chart.Single("Deployment", "frontend");
        if ((frontend.Object["spec"]?["replicas"]?.GetValue<int>() ?? 1) < 2) yield break;
        if (!chart.OfKind("PodDisruptionBudget").Any(p => Selects(p.Object["spec"]?["selector"]?["matchLabels"]?.AsObject(), PodLabels(frontend))))
            yield return $"{frontend}: no PodDisruptionBudget selects the front ends.";
    }

    /// <summary>
    /// Variable names Kubernetes accepts, none twice in a container, and every $(NAME) in a value naming a variable
    /// defined before it (Kubernetes leaves any other reference as it is, silently).
    /// </summary>
    public static IEnumerable<string> EnvironmentVariables(RenderedChart chart)
    {
        foreach (var workload in chart.Workloads)
        foreach (var container in Containers(workload))
        {
            var seen = new HashSet<string>();
            foreach (var (name, entry) in Env(container))
            {
                if (!EnvName().IsMatch(name)) yield return $"{workload}: {name} is not a name Kubernetes accepts for a variable.";
                foreach (Match reference in VariableReference().Matches(entry["value"]?.GetValue<string>() ?? ""))
                {
                    if (!seen.Contains(reference.Groups[1].Value))
                        yield return $"{workload}: {name} refers to $({reference.Groups[1].Value}), which is not defined before it.";
                }
                if (!seen.Add(name)) yield return $"{workload}: {name} is set twice in container {Name(container["name"])}.";
            }
        }
    }

    /// <summary>
    /// What objects name exists: keys of the chart's Secrets, its ConfigMaps, the Services' selectors and target
    /// ports, the ingress's backends.
    /// </summary>
    public static IEnumerable<string> References(RenderedChart chart)
    {
        var secrets = chart.SecretKeys;
        var configMaps = chart.OfKind("ConfigMap").Select(c => c.Name).ToHashSet();
        foreach (var workload in chart.Workloads)
        {
            foreach (var container in Containers(workload))
            foreach (var (name, entry) in Env(container))
            {
                var reference = entry["valueFrom"]?["secretKeyRef"];
                if (reference is null || !secrets.TryGetValue(Name(reference["name"]), out var keys)) continue;
                if (!keys.Contains(Name(reference["key"])))
                    yield return $"{workload}: {name} reads key {Name(reference["key"])} of Secret {Name(reference["name"])}, which has no such key.";
            }
            foreach (var volume in PodSpec(workload)["volumes"]?.AsArray() ?? [])
            {
                if (volume?["configMap"] is { } map && !configMaps.Contains(Name(map["name"])))
                    yield return $"{workload}: volume {Name(volume["name"])} names ConfigMap {Name(map["name"])}, which the chart does not make.";
            }
        }
        foreach (var service in chart.OfKind("Service"))
        {
            var selector = service.Object["spec"]?["selector"]?.AsObject();
            var targets = chart.Workloads.Where(w => Selects(selector, PodLabels(w))).ToList();
            if (targets.Count == 0) yield return $"{service}: its selector matches no pods of the chart.";
            var ports = targets.SelectMany(Containers).SelectMany(c => c["ports"]?.AsArray() ?? []).Select(p => Name(p!["name"])).ToHashSet();
            foreach (var port in service.Object["spec"]?["ports"]?.AsArray() ?? [])
            {
                if (port!["targetPort"] is { } target && target.GetValueKind() == System.Text.Json.JsonValueKind.String && !ports.Contains(Name(target)))
                    yield return $"{service}: targetPort {Name(target)} is no port of its pods.";
            }
        }
        foreach (var ingress in chart.OfKind("Ingress"))
        foreach (var path in (ingress.Object["spec"]?["rules"]?.AsArray() ?? []).SelectMany(r => r!["http"]?["paths"]?.AsArray() ?? []))
        {
            var backend = path!["backend"]?["service"];
            var service = chart.OfKind("Service").FirstOrDefault(s => s.Name == Name(backend?["name"]));
            if (service is null || service.Object["spec"]?["ports"]?.AsArray().Any(p => Name(p!["name"]) == Name(backend?["port"]?["name"])) != true)
                yield return $"{ingress}: path {Name(path["path"])} goes to {Name(backend?["name"])}:{Name(backend?["port"]?["name"])}, which the chart does not serve.";
        }
    }

    /// <summary>Registry credentials given: session pods pull with them (a Secret of type kubernetes.io/dockerconfigjson).</summary>
    public static IEnumerable<string> SessionImagePullSecret(RenderedChart chart)
    {
        var silo = Container(chart.Single("DaemonSet", "silo"), "silo");
        if (EnvValue(silo, "BINDER_Launch__Backend") != "Kubernetes") yield break;
        var pullSecret = EnvValue(silo, "BINDER_Launch__Kubernetes__ImagePullSecret");
        foreach (var registry in chart.OfKind("Secret").Where(s => Name(s.Object["type"]) == "kubernetes.io/dockerconfigjson"))
        {
            if (pullSecret != registry.Name)
                yield return $"Session pods do not pull with the registry's Secret {registry.Name} (Launch:Kubernetes:ImagePullSecret is '{pullSecret}').";
        }
        if (pullSecret is not null && chart.OfKind("Secret").FirstOrDefault(s => s.Name == pullSecret) is { } own && Name(own.Object["type"]) != "kubernetes.io/dockerconfigjson")
            yield return $"Launch:Kubernetes:ImagePullSecret names {pullSecret}, which is not of type kubernetes.io/dockerconfigjson.";
    }

    /// <summary>Where the cluster's own pods, nodes, Services and a cloud's metadata service usually are.</summary>
    private static readonly string[] PrivateRanges = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10"];

    private static bool Covers(IPNetwork outer, IPNetwork inner) => outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => Covers(a, b) || Covers(b, a);

    private static IEnumerable<JsonObject> Peers(RenderedObject policy, string direction, string side) =>
        (policy.Object["spec"]?[direction]?.AsArray() ?? []).SelectMany(rule => rule![side]?.AsArray() ?? []).Select(p => p!.AsObject());

    /// <summary>The components of the chart's pods a policy peer selects (a pod selector in the release's namespace).</summary>
    private static IEnumerable<string> PeerComponents(RenderedChart chart, JsonObject peer)
    {
        if (peer["namespaceSelector"] is not null || peer["podSelector"] is not JsonObject selector) return [];
        var labels = selector["matchLabels"]?.AsObject();
        return chart.Workloads.Where(w => labels is null or { Count: 0 } || Selects(labels, PodLabels(w)))
            .Select(w => w.Label("app.kubernetes.io/component") ?? w.Name).Distinct();
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"(?<!\$)\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")]
    private static partial Regex VariableReference();
}
