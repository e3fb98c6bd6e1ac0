// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IProviderRegistry
/// @notice Storage providers: their stake, their offer, and the collateral the market locks
/// from their stake while they hold slots.
///
/// A provider's stake splits into locked collateral (backing slots it holds) and free
/// stake. Free stake leaves through a queued exit that unlocks after `unbondingPeriod` and
/// that a slash can still reach. Only the market (MARKET_ROLE) locks, unlocks and slashes.
interface IProviderRegistry {
    /// @notice What a provider sells, as published on-chain for clients to choose from.
    /// The market refuses a fill that the filler's own offer does not accept.
    struct Offer {
        /// @dev Lowest price accepted, in wei per byte per second.
        uint128 pricePerBytePerSecond;
        /// @dev Highest collateral accepted, in wei per byte of slot.
        uint128 maxCollateralPerByte;
        /// @dev Shortest request duration accepted, in seconds.
        uint64 minDuration;
        /// @dev Longest request duration accepted, in seconds.
        uint64 maxDuration;
        /// @dev Disk space offered, in bytes; also the largest slot accepted.
        uint64 capacity;
        /// @dev Self-declared region label (e.g. "eu-west"), for clients' diversity choices.
        bytes16 region;
        /// @dev Self-declared infrastructure label (e.g. "hetzner"), ditto.
        bytes16 infrastructure;
    }

    /// @notice The registry's fixed parameters, set at deployment.
    struct RegistryConfig {
        /// @dev Smallest stake that registers a provider and lets it take slots, in wei.
        uint128 minStake;
        /// @dev Time from registration until the provider may take slots, in seconds.
        uint64 activationDelay;
        /// @dev Time from `requestWithdrawal` until the exit can be withdrawn, in seconds.
        uint64 unbondingPeriod;
    }

    /// @notice A provider's record as the market and clients read it.
    struct ProviderInfo {
        /// @dev Stake in place (locked collateral included), in wei; queued exits excluded.
        uint128 stake;
        /// @dev Part of `stake` locked as slot collateral, in wei.
        uint128 lockedCollateral;
        /// @dev Stake queued to leave, in wei.
        uint128 exitAmount;
        /// @dev When the queued exit can be withdrawn, in unix seconds; 0 when none.
        uint40 exitUnlocksAt;
        /// @dev When the provider may start taking slots, in unix seconds.
        uint40 activeFrom;
        bool registered;
        bool paused;
    }

    /// @notice Emitted when a provider registers with its first stake.
    event ProviderRegistered(
        address indexed provider, uint256 stake, Offer offer, bytes peerId, string[] multiaddrs, uint40 activeFrom
    );
    /// @notice Emitted when a provider replaces its offer.
    event OfferUpdated(address indexed provider, Offer offer);
    /// @notice Emitted when a provider replaces its libp2p peer id and addresses.
    event EndpointsUpdated(address indexed provider, bytes peerId, string[] multiaddrs);
    /// @notice Emitted when a provider stops taking new slots.
    event ProviderPaused(address indexed provider);
    /// @notice Emitted when a paused provider takes slots again.
    event ProviderResumed(address indexed provider);
    /// @notice Emitted when stake is added; `stake` is the new total in place.
    event StakeAdded(address indexed provider, uint256 amount, uint256 stake);
    /// @notice Emitted when free stake is queued to leave. `exitAmount` is the whole queued
    /// exit and `unlocksAt` when it can be withdrawn.
    event WithdrawalRequested(address indexed provider, uint256 amount, uint256 exitAmount, uint40 unlocksAt);
    /// @notice Emitted when a queued exit is paid out.
    event StakeWithdrawn(address indexed provider, uint256 amount);
    /// @notice Emitted when the market locks collateral; `locked` is the new total.
    event CollateralLocked(address indexed provider, uint256 amount, uint256 locked);
    /// @notice Emitted when the market releases collateral; `locked` is the new total.
    event CollateralUnlocked(address indexed provider, uint256 amount, uint256 locked);
    /// @notice Emitted when stake is slashed and paid to `recipients`.
    /// `fromExit` is the part taken from the queued exit.
    event ProviderSlashed(
        address indexed provider, uint256 amount, uint256 fromExit, address[] recipients, uint256[] shares
    );

    /// @notice A config value is out of its bounds.
    error ProviderRegistryInvalidConfig();
    /// @notice `provider` is already registered.
    error ProviderRegistryAlreadyRegistered(address provider);
    /// @notice `provider` is not registered.
    error ProviderRegistryNotRegistered(address provider);
    /// @notice The stake sent is below the minimum.
    error ProviderRegistryStakeTooLow(uint256 stake, uint256 minStake);
    /// @notice The offer's bounds contradict each other or are zero.
    error ProviderRegistryInvalidOffer();
    /// @notice `provider` is already paused.
    error ProviderRegistryAlreadyPaused(address provider);
    /// @notice `provider` is not paused.
    error ProviderRegistryNotPaused(address provider);
    /// @notice `provider` is paused and takes no new slots.
    error ProviderRegistryPaused(address provider);
    /// @notice `provider`'s stake has not been in place for `activationDelay` yet.
    error ProviderRegistryNotActive(address provider, uint40 activeFrom);
    /// @notice The amount is zero.
    error ProviderRegistryZeroAmount();
    /// @notice `provider` has `free` stake, less than the `needed` amount.
    error ProviderRegistryInsufficientFreeStake(address provider, uint256 free, uint256 needed);
    /// @notice The market unlocks more than `provider` has locked.
    error ProviderRegistryUnlockExceedsLocked(address provider, uint256 locked, uint256 amount);
    /// @notice `provider` has no queued exit.
    error ProviderRegistryNoExit(address provider);
    /// @notice `provider`'s exit unlocks at `unlocksAt`.
    error ProviderRegistryExitLocked(address provider, uint40 unlocksAt);
    /// @notice The slash asks for more than the provider's stake and queued exit.
    error ProviderRegistrySlashExceedsStake(address provider, uint256 available, uint256 amount);
    /// @notice The slash's shares are of a different length than its recipients, or do not
    /// add up to its amount.
    error ProviderRegistryInvalidShares(uint256 amount, uint256 sharesTotal);

    /// @notice Registers the caller with the stake it sends, at least `minStake`.
    /// @param offer What the provider sells.
    /// @param peerId The node's libp2p peer id (binary), published in the event only.
    /// @param multiaddrs The node's libp2p addresses, published in the event only.
    function register(Offer calldata offer, bytes calldata peerId, string[] calldata multiaddrs) external payable;

    /// @notice Replaces the caller's offer. Slots already held keep their terms.
    function updateOffer(Offer calldata offer) external;

    /// @notice Publishes the caller's new peer id and addresses. Nothing is stored: the
    /// subgraph and nodes read them from `EndpointsUpdated`.
    function updateEndpoints(bytes calldata peerId, string[] calldata multiaddrs) external;

    /// @notice Stops the caller from taking new slots; slots it holds are unaffected.
    function pause() external;

    /// @notice Lets a paused caller take slots again.
    function resume() external;

    /// @notice Adds the value sent to the caller's stake.
    function addStake() external payable;

    /// @notice Queues `amount` of the caller's free stake (stake minus locked collateral)
    /// to leave. The caller's whole queued exit then unlocks `unbondingPeriod` from now:
    /// one exit per provider keeps a slash that reaches it O(1). A slash can still take from
    /// the exit until it is withdrawn.
    function requestWithdrawal(uint256 amount) external;

    /// @notice Pays the caller its queued exit once it has unlocked.
    function withdraw() external;

    /// @notice Locks `amount` of `provider`'s free stake as slot collateral. Reverts unless
    /// the provider is registered, active, not paused, and at or above `minStake`.
    /// Only MARKET_ROLE.
    function lockCollateral(address provider, uint256 amount) external;

    /// @notice Returns `amount` of `provider`'s locked collateral to its free stake.
    /// Only MARKET_ROLE.
    function unlockCollateral(address provider, uint256 amount) external;

    /// @notice Takes `amount` from `provider`: from its locked collateral first, then its
    /// free stake, then its queued exit. Pays `shares[i]` wei to `recipients[i]`; the shares
    /// must add up to `amount`. Only MARKET_ROLE, whose holder must name only recipients
    /// it trusts (the market names itself), because they are paid at once.
    function slash(address provider, uint256 amount, address[] calldata recipients, uint256[] calldata shares)
        external;

    /// @notice The registry's fixed parameters.
    function config() external view returns (RegistryConfig memory);

    /// @notice `provider`'s stake, exit and status.
    function providerInfo(address provider) external view returns (ProviderInfo memory);

    /// @notice `provider`'s current offer (all zero when unregistered).
    function offerOf(address provider) external view returns (Offer memory);

    /// @notice The role that may lock, unlock and slash: the market.
    // solhint-disable-next-line func-name-mixedcase
    function MARKET_ROLE() external view returns (bytes32);
}
