// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";

/// @title ProviderRegistry
/// @notice Providers' stake, offers, and the collateral that the market locks and slashes.
///
/// Where a provider's wei sit, and how they move:
///
///     register, addStake           lockCollateral                slash (market only)
///   ---------------------> free -----------------> locked ------------------------> recipients
///                           |  <-----------------            (locked first, then free
///                           |   unlockCollateral              stake, then the exit)
///       requestWithdrawal   v                                         |
///                          exit ---- unbondingPeriod ----> withdraw() |
///                           ^-----------------------------------------+ a slash reaches it
///
/// Provider status: unregistered --register--> registered, able to take slots once
/// `activationDelay` has passed; `pause` / `resume` toggle whether it takes new slots.
///
/// Decisions:
/// - One queued exit per provider. Adding to it restarts its unbonding period. A FIFO of
///   exits would let a provider queue many tiny ones and make a slash that must walk them
///   expensive enough to fail; one exit keeps `slash` O(1).
/// - Peer ids and addresses live in events only: the subgraph indexes them, and the chain
///   keeps no per-provider lists.
/// - Only the market role moves collateral, and `slash` pays its recipients at once: the
///   market names only itself and pays validators and clients through its own pull ledgers.
contract ProviderRegistry is IProviderRegistry, AccessControl, ReentrancyGuard {
    /// @dev Storage per provider: two words, plus three for the offer.
    struct Provider {
        uint128 stake; // wei in place, locked collateral included
        uint128 locked; // wei locked as collateral, at most `stake`
        uint128 exitAmount; // wei queued to leave
        uint40 exitUnlocksAt; // unix seconds
        uint40 activeFrom; // unix seconds
        bool registered;
        bool paused;
    }

    /// @inheritdoc IProviderRegistry
    bytes32 public constant MARKET_ROLE = keccak256("MARKET_ROLE");

    /// @dev Bounds on the config, so that a typo cannot lock stake away for years.
    uint256 private constant _MAX_ACTIVATION_DELAY = 30 days;
    uint256 private constant _MAX_UNBONDING_PERIOD = 365 days;

    uint128 private immutable _minStake;
    uint64 private immutable _activationDelay;
    uint64 private immutable _unbondingPeriod;

    mapping(address provider => Provider) private _providers;
    mapping(address provider => Offer) private _offers;

    /// @param registryConfig The fixed parameters; see `RegistryConfig` for units.
    /// @param admin Holds DEFAULT_ADMIN_ROLE: grants MARKET_ROLE to the market at deploy.
    constructor(RegistryConfig memory registryConfig, address admin) {
        if (
            registryConfig.minStake == 0 || registryConfig.activationDelay > _MAX_ACTIVATION_DELAY
                || registryConfig.unbondingPeriod > _MAX_UNBONDING_PERIOD || admin == address(0)
        ) revert ProviderRegistryInvalidConfig();
        _minStake = registryConfig.minStake;
        _activationDelay = registryConfig.activationDelay;
        _unbondingPeriod = registryConfig.unbondingPeriod;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @inheritdoc IProviderRegistry
    function register(Offer calldata offer, bytes calldata peerId, string[] calldata multiaddrs)
        external
        payable
    {
        Provider storage provider = _providers[msg.sender];
        if (provider.registered) revert ProviderRegistryAlreadyRegistered(msg.sender);
        if (msg.value < _minStake) revert ProviderRegistryStakeTooLow(msg.value, _minStake);
        _checkOffer(offer);
        uint40 activeFrom = uint40(block.timestamp + _activationDelay);
        provider.registered = true;
        provider.stake = SafeCast.toUint128(msg.value);
        provider.activeFrom = activeFrom;
        _offers[msg.sender] = offer;
        emit ProviderRegistered(msg.sender, msg.value, offer, peerId, multiaddrs, activeFrom);
    }

    /// @inheritdoc IProviderRegistry
    function updateOffer(Offer calldata offer) external {
        _registered(msg.sender);
        _checkOffer(offer);
        _offers[msg.sender] = offer;
        emit OfferUpdated(msg.sender, offer);
    }

    /// @inheritdoc IProviderRegistry
    function updateEndpoints(bytes calldata peerId, string[] calldata multiaddrs) external {
        _registered(msg.sender);
        emit EndpointsUpdated(msg.sender, peerId, multiaddrs);
    }

    /// @inheritdoc IProviderRegistry
    function pause() external {
        Provider storage provider = _registered(msg.sender);
        if (provider.paused) revert ProviderRegistryAlreadyPaused(msg.sender);
        provider.paused = true;
        emit ProviderPaused(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function resume() external {
        Provider storage provider = _registered(msg.sender);
        if (!provider.paused) revert ProviderRegistryNotPaused(msg.sender);
        provider.paused = false;
        emit ProviderResumed(msg.sender);
    }

    /// @inheritdoc IProviderRegistry
    function addStake() external payable {
        Provider storage provider = _registered(msg.sender);
        if (msg.value == 0) revert ProviderRegistryZeroAmount();
        uint128 stake = provider.stake + SafeCast.toUint128(msg.value);
        provider.stake = stake;
        emit StakeAdded(msg.sender, msg.value, stake);
    }

    /// @inheritdoc IProviderRegistry
    function requestWithdrawal(uint256 amount) external {
        Provider storage provider = _registered(msg.sender);
        if (amount == 0) revert ProviderRegistryZeroAmount();
        uint256 free = provider.stake - provider.locked;
        if (amount > free) revert ProviderRegistryInsufficientFreeStake(msg.sender, free, amount);
        uint40 unlocksAt = uint40(block.timestamp + _unbondingPeriod);
        // amount <= free <= stake < 2^128, so the casts cannot truncate.
        provider.stake -= uint128(amount);
        uint128 exitAmount = provider.exitAmount + uint128(amount);
        provider.exitAmount = exitAmount;
        provider.exitUnlocksAt = unlocksAt;
        emit WithdrawalRequested(msg.sender, amount, exitAmount, unlocksAt);
    }

    /// @inheritdoc IProviderRegistry
    function withdraw() external nonReentrant {
        Provider storage provider = _providers[msg.sender];
        uint256 amount = provider.exitAmount;
        if (amount == 0) revert ProviderRegistryNoExit(msg.sender);
        uint40 unlocksAt = provider.exitUnlocksAt;
        if (block.timestamp < unlocksAt) revert ProviderRegistryExitLocked(msg.sender, unlocksAt);
        provider.exitAmount = 0;
        provider.exitUnlocksAt = 0;
        emit StakeWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @inheritdoc IProviderRegistry
    function lockCollateral(address providerAddress, uint256 amount) external onlyRole(MARKET_ROLE) {
        Provider storage provider = _registered(providerAddress);
        if (provider.paused) revert ProviderRegistryPaused(providerAddress);
        if (block.timestamp < provider.activeFrom) {
            revert ProviderRegistryNotActive(providerAddress, provider.activeFrom);
        }
        uint256 stake = provider.stake;
        if (stake < _minStake) revert ProviderRegistryStakeTooLow(stake, _minStake);
        uint256 free = stake - provider.locked;
        if (amount > free) revert ProviderRegistryInsufficientFreeStake(providerAddress, free, amount);
        uint128 locked = provider.locked + uint128(amount);
        provider.locked = locked;
        emit CollateralLocked(providerAddress, amount, locked);
    }

    /// @inheritdoc IProviderRegistry
    function unlockCollateral(address providerAddress, uint256 amount) external onlyRole(MARKET_ROLE) {
        Provider storage provider = _providers[providerAddress];
        uint256 locked = provider.locked;
        if (amount > locked) revert ProviderRegistryUnlockExceedsLocked(providerAddress, locked, amount);
        provider.locked = uint128(locked - amount);
        emit CollateralUnlocked(providerAddress, amount, locked - amount);
    }

    /// @inheritdoc IProviderRegistry
    function slash(address providerAddress, uint256 amount, address[] calldata recipients, uint256[] calldata shares)
        external
        onlyRole(MARKET_ROLE)
    {
        uint256 sharesTotal = 0;
        for (uint256 i = 0; i < shares.length; ++i) {
            sharesTotal += shares[i];
        }
        if (recipients.length != shares.length || sharesTotal != amount) {
            revert ProviderRegistryInvalidShares(amount, sharesTotal);
        }
        Provider storage provider = _providers[providerAddress];
        // Locked collateral goes first: it is what the slash is for. Then free stake, then
        // the queued exit, which stays slashable until withdrawn.
        uint256 stake = provider.stake;
        uint256 fromStake = Math.min(amount, stake);
        uint256 fromExit = amount - fromStake;
        if (fromExit > 0) {
            uint256 exitAmount = provider.exitAmount;
            if (fromExit > exitAmount) {
                revert ProviderRegistrySlashExceedsStake(providerAddress, stake + exitAmount, amount);
            }
            provider.exitAmount = uint128(exitAmount - fromExit);
        }
        uint256 locked = provider.locked;
        provider.locked = uint128(locked - Math.min(fromStake, locked));
        provider.stake = uint128(stake - fromStake);
        emit ProviderSlashed(providerAddress, amount, fromExit, recipients, shares);
        // No reentrancy guard: only the market role calls this and names the recipients,
        // and the market names only itself, whose receive() calls nothing.
        for (uint256 i = 0; i < recipients.length; ++i) {
            Address.sendValue(payable(recipients[i]), shares[i]);
        }
    }

    /// @inheritdoc IProviderRegistry
    function config() external view returns (RegistryConfig memory) {
        return RegistryConfig({
            minStake: _minStake,
            activationDelay: _activationDelay,
            unbondingPeriod: _unbondingPeriod
        });
    }

    /// @inheritdoc IProviderRegistry
    function providerInfo(address providerAddress) external view returns (ProviderInfo memory) {
        Provider storage provider = _providers[providerAddress];
        return ProviderInfo({
            stake: provider.stake,
            lockedCollateral: provider.locked,
            exitAmount: provider.exitAmount,
            exitUnlocksAt: provider.exitUnlocksAt,
            activeFrom: provider.activeFrom,
            registered: provider.registered,
            paused: provider.paused
        });
    }

    /// @inheritdoc IProviderRegistry
    function offerOf(address providerAddress) external view returns (Offer memory) {
        return _offers[providerAddress];
    }

    function _registered(address providerAddress) private view returns (Provider storage provider) {
        provider = _providers[providerAddress];
        if (!provider.registered) revert ProviderRegistryNotRegistered(providerAddress);
    }

    /// @dev An offer must accept some duration and some data.
    function _checkOffer(Offer calldata offer) private pure {
        if (offer.minDuration > offer.maxDuration || offer.maxDuration == 0 || offer.capacity == 0) {
            revert ProviderRegistryInvalidOffer();
        }
    }
}
