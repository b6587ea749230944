/// The image slots of a pass style, as the linter checks them: what a designer should supply.
public enum WalletImages {
    public struct Slot: Sendable, Hashable {
        public var name: String
        /// In points; the pixel sizes are these × 1, 2, 3.
        public var width: Int
        public var height: Int
        /// Filled (scaled and cropped) rather than scaled down to fit.
        public var fills: Bool
        public var required: Bool
    }

    /// The slots Wallet draws for `style` (nil: every slot).
    public static func slots(style: PassStyle?) -> [Slot] {
        func slot(_ name: String) -> Slot {
            if name == "strip" { return Slot(name: name, width: 375, height: PassLinter.stripHeight(style), fills: true, required: false) }
            if name == "background", style == .posterGeneric { return Slot(name: name, width: 345, height: 505, fills: true, required: false) }
            let s = PassLinter.imageSlots[name]!
            return Slot(name: name, width: s.width, height: s.height, fills: s.exact, required: name == "icon")
        }
        let names: [String]
        switch style {
        case .storeCard?: names = ["icon", "logo", "strip"]
        case .coupon?: names = ["icon", "logo", "strip"]
        case .eventTicket?: names = ["icon", "logo", "strip", "background", "thumbnail"]
        case .boardingPass?: names = ["icon", "logo", "footer"]
        case .generic?: names = ["icon", "logo", "thumbnail"]
        case .posterGeneric?: names = ["icon", "primaryLogo", "background"]
        case nil: names = ["icon", "logo", "strip", "thumbnail", "background", "footer"]
        }
        return names.map(slot)
    }
}
