/**
 * The dashboard page, deployed: a private S3 bucket behind CloudFront (Origin Access Control,
 * HTTPS only, security headers), holding the same fixed list of files the local runtime serves
 * at `/dashboard/`, plus a `config.json` that tells the page where the HTTP API and the
 * WebSocket feed are.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  Aws,
  DefaultStackSynthesizer,
  Duration,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { bundleClientSync } from '../../client/build.js';
import {
  CLIENT_VENDOR_FILE,
  DASHBOARD_DIR,
  DASHBOARD_FILES,
  dashboardContentSecurityPolicy,
  UPLOT_DIST_DIR,
  VENDOR_FILES,
} from '../dashboard-files.js';

export interface DashboardSiteProps {
  /** The HTTP API's URL, e.g. the stage URL `https://<id>.execute-api.<region>.amazonaws.com/`. */
  apiUrl: string;
  /** The WebSocket feed's URL, e.g. `wss://<id>.execute-api.<region>.amazonaws.com/<stage>`. */
  wsUrl: string;
  /**
   * Where the page may connect (CSP `connect-src`, besides `'self'`). By default the origin of
   * each URL when it is known at synth; for a URL that is a deploy-time token, API Gateway's
   * hosts in this stack's region (`https://*.execute-api.<region>.amazonaws.com` and the same
   * with `wss://`). That keeps the distribution free of any reference to the APIs, so the HTTP
   * API's CORS configuration can name this distribution's origin without a dependency cycle.
   */
  connectSrc?: string[];
}

export class DashboardSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly deployment: s3deploy.BucketDeployment;
  /** `https://<distribution>.cloudfront.net`: the page, and the origin to allow in CORS. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);

    // Retained when the stack goes. Emptying it on delete (autoDeleteObjects) would add CDK's
    // custom-resource provider: one more Lambda function, whose role has the AWS managed basic
    // execution policy and which cdk-nag does not see (it is not a lambda.Function). The files
    // are all in this repository; delete the bucket by hand after `cdk destroy`.
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const connectSrc = [
      "'self'",
      ...(props.connectSrc ?? [originOf(props.apiUrl, 'https'), originOf(props.wsUrl, 'wss')]),
    ];
    const securityHeaders = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'agent-core dashboard: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: dashboardContentSecurityPolicy(connectSrc),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER,
          override: true,
        },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'agent-core dashboard',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    // CDK's deployment handler gets a role of its own writing only to its own log group, as
    // every function of the stack does, instead of the AWSLambdaBasicExecutionRole managed policy.
    const deployLogs = new logs.LogGroup(this, 'DeployLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
    });
    const deployRole = new iam.Role(this, 'DeployRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'agent-core dashboard: copies the page into its bucket',
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [deployLogs.logGroupArn],
            }),
          ],
        }),
      },
    });

    // The same allow-list of files the local runtime serves, and the page's configuration.
    this.deployment = new s3deploy.BucketDeployment(this, 'Files', {
      role: deployRole,
      logGroup: deployLogs,
      destinationBucket: this.bucket,
      sources: [
        ...DASHBOARD_FILES.map((name) =>
          s3deploy.Source.data(name, readFileSync(resolve(DASHBOARD_DIR, name), 'utf8')),
        ),
        ...VENDOR_FILES.map((name) =>
          s3deploy.Source.data(
            `vendor/${name}`,
            readFileSync(resolve(UPLOT_DIST_DIR, name), 'utf8'),
          ),
        ),
        s3deploy.Source.data(CLIENT_VENDOR_FILE, bundleClientSync()),
        s3deploy.Source.jsonData('config.json', { apiUrl: props.apiUrl, wsUrl: props.wsUrl }),
      ],
      prune: true,
      distribution: this.distribution,
      distributionPaths: ['/*'],
    });

    this.acknowledgeSiteFindings();
    this.acknowledgeDeploymentFindings(deployRole);
  }

  /** What cdk-nag finds in a CloudFront + S3 static site without a domain, and why it stays. */
  private acknowledgeSiteFindings(): void {
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The dashboard is for the operators of this deployment wherever they are; every API ' +
          'call it makes needs the API key, so a geographic restriction would add no protection.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'The distribution serves a few static files from S3 with GET/HEAD only; there is no ' +
          'application behind it for a WAF to protect, and the API it calls has its own throttling.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Standard access logs of a static page would need a log bucket with ACLs enabled; the ' +
          'requests that matter (API calls with the key) are logged by the HTTP API.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net ' +
          'certificate, whose security policy CloudFront fixes at TLSv1; add a domain and a ' +
          'certificate with TLSv1.2_2021 to lift it.',
      },
    );
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the page files, written by each deploy and read only by ' +
        'CloudFront through Origin Access Control; server access logs would record nothing else.',
    });
  }

  /** The grants CDK gives the BucketDeployment handler's role, and the handler's runtime. */
  private acknowledgeDeploymentFindings(role: iam.Role): void {
    const stack = Stack.of(this);
    const siteBucket = stack.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    // The bootstrap asset bucket, as cdk-nag spells it: cdk-<qualifier>-assets-<account>-<region>.
    const qualifier =
      stack.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assets = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>`;
    const granted = (what: string) =>
      "CDK's BucketDeployment grants its handler (which copies the page from the CDK asset " +
      `bucket into the site bucket and invalidates the distribution) ${what}.`;
    Validations.of(role).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetObject*]',
        reason: granted('s3:GetObject* on the asset bucket and the site bucket'),
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        reason: granted('s3:GetBucket* on the asset bucket and the site bucket'),
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:List*]',
        reason: granted('s3:List* on the asset bucket and the site bucket'),
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        reason: granted('s3:DeleteObject* on the site bucket, to prune files the page dropped'),
      },
      {
        id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
        reason: granted('s3:Abort* on the site bucket, for its own failed multipart uploads'),
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${siteBucket}.Arn>/*]`,
        reason: granted('every object of the site bucket, which holds only the page'),
      },
      {
        id: `AwsSolutions-IAM5[Resource::${assets}/*]`,
        reason: granted("the objects of the CDK bootstrap asset bucket, where the page's zips are"),
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: granted(
          'cloudfront:CreateInvalidation and GetInvalidation, which have no resource-level permission',
        ),
      },
    );
    // CDK's singleton handler function, at the stack's root: the one running with this role.
    const handler = stack.node
      .findAll()
      .find((c): c is lambda.Function => c instanceof lambda.Function && c.role === role);
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          "The BucketDeployment handler's Lambda runtime is chosen and updated by aws-cdk-lib, " +
          'not by this stack.',
      });
    }
  }
}

/**
 * `https://host` of a URL, for the CSP; for a deploy-time token, API Gateway's hosts in the
 * stack's region (the CSP cannot wait for the API's id without a dependency on it).
 */
function originOf(url: string, scheme: 'https' | 'wss'): string {
  if (Token.isUnresolved(url)) return `${scheme}://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
  const parsed = new URL(url);
  return `${scheme}://${parsed.host}`;
}
