import ArgumentParser

/// `passline dev …`: tools for development, tests and benchmarks (never needed in production).
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Development tools: a mock APNs, a mock Bitrix24 portal, a mock Google Wallet, test data.", subcommands: [DevAPNsMock.self, DevBitrix24Mock.self, DevGoogleMock.self, DevSeed.self])
}
