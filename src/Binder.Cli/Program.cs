using Binder.Cli;

return await BinderCommandLine.RunAsync(args, Console.Out, Console.Error);
