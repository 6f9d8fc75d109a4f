global using Binder.Hub.Events;
global using Binder.Hub.Grains;
global using Binder.Hub.Launch;
global using Binder.Hub.Providers;
global using Binder.Server.Configuration;
